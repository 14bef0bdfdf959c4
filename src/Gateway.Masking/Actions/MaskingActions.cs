namespace Gateway.Masking.Actions;

/// <summary>Every action by its unique name, as the rules refer to them.</summary>
internal static class MaskingActions
{
    public static readonly IReadOnlyDictionary<string, IMaskingAction> ByName = new IMaskingAction[]
    {
        new AllowAction(), new RedactAction(), new RemoveAction(), new PartialAction(),
        new EmailAction(), new HashAction(), new GeneralizeAction(), new DetectAction(),
    }.ToDictionary(action => action.Name, StringComparer.Ordinal);
}
