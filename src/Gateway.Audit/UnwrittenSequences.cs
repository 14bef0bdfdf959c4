namespace Gateway.Audit;

/// <summary>Sequence numbers a process reserved and never wrote before it ended without stopping, and how it was configured.</summary>
/// <param name="First">The first number not written (the one after the last spooled event).</param>
/// <param name="Last">The last number the crashed process had reserved; below <paramref name="First"/> when it had used them all.</param>
/// <param name="PreviousDurability">The crashed process's <c>Gateway:Audit:Durability</c>.</param>
public sealed record UnwrittenSequences(long First, long Last, string PreviousDurability)
{
    public long Count => Math.Max(0, Last - First + 1);
}
