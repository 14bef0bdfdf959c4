namespace DemoCrm.Contacts;

/// <summary>The demo CRM's in-memory table; ordered by id so paging is stable.</summary>
public sealed class ContactStore(IEnumerable<Contact> seed)
{
    private readonly SortedDictionary<string, Contact> _contacts = new(seed.ToDictionary(c => c.Id), StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private int _nextNumber = seed.Count() + 1;

    public (List<Contact> Page, int Total) List(int page, int pageSize)
    {
        lock (_lock)
        {
            return (_contacts.Values.Skip((page - 1) * pageSize).Take(pageSize).ToList(), _contacts.Count);
        }
    }

    public Contact? Find(string id)
    {
        lock (_lock)
        {
            return _contacts.GetValueOrDefault(id);
        }
    }

    public Contact Add(Func<string, Contact> create)
    {
        lock (_lock)
        {
            var contact = create($"c-{_nextNumber++:00000}");
            _contacts.Add(contact.Id, contact);
            return contact;
        }
    }

    public Contact? Update(string id, Func<Contact, Contact> update)
    {
        lock (_lock)
        {
            if (!_contacts.TryGetValue(id, out var existing))
            {
                return null;
            }
            var updated = update(existing);
            _contacts[id] = updated;
            return updated;
        }
    }

    public bool Remove(string id)
    {
        lock (_lock)
        {
            return _contacts.Remove(id);
        }
    }
}
