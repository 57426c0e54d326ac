using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using MudBlazor;
using OpsConsole.Domain;
using OpsConsole.Features.Orchestration;
using OpsConsole.Security;

namespace OpsConsole.Components.Pages.Admin;

public sealed partial class ApiKeys
{
    private readonly DialogOptions oneTimeOptions = new() { BackdropClick = false, CloseOnEscapeKey = true, MaxWidth = MaxWidth.Small, FullWidth = true };

    private List<ApiKeyDto> keys = [];
    private KeyForm? form;
    private CreatedApiKey? created;
    private IReadOnlyDictionary<string, List<string>> errors = Checked<ApiKeyRequest>.NoErrors;

    [Inject] private ApiKeyService Service { get; set; } = default!;
    [Inject] private IJSRuntime JS { get; set; } = default!;

    protected override bool IsRelevant(DomainEvent domainEvent) => false;

    protected override async Task LoadAsync() => keys = await Service.ListAsync(CancellationToken.None);

    private static string RoleName(string wire) => WireFormat.TryParse<ApiRole>(wire, out var role) ? role.ToString() : wire;

    private string State(ApiKeyDto key) => key.RevokedAt is not null ? "revoked" : key.ExpiresAt <= Now ? "expired" : "active";

    private string? Errors(string field) => errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;

    private void NewKey()
    {
        errors = Checked<ApiKeyRequest>.NoErrors;
        form = new KeyForm();
    }

    private async Task CreateAsync()
    {
        if (form is null)
        {
            return;
        }

        // The same reading and checks as POST api-keys/, so the form and the API refuse the same things with the same words.
        var request = ApiKeyRequest.FromForm(form.Name, form.Role, form.Expires, Now);
        if (request.Value is not { } valid)
        {
            errors = request.Errors;
            Snackbar.Add("Not created: " + string.Join(" ", request.Messages), Severity.Warning);
            return;
        }

        await ActAsync(async () =>
        {
            created = await Service.CreateAsync(valid, await UserAsync(), CancellationToken.None);
            form = null;
            errors = Checked<ApiKeyRequest>.NoErrors;
            Snackbar.Add($"Key {created.Key.Name} created. Copy it from the dialog now.", Severity.Success);
        });
    }

    private async Task CopyAsync()
    {
        if (created is null)
        {
            return;
        }

        try
        {
            await JS.InvokeVoidAsync("navigator.clipboard.writeText", created.Secret);
            Snackbar.Add("Key copied to the clipboard.", Severity.Success);
        }
        catch (JSException)
        {
            Snackbar.Add("The browser did not allow copying: select the key and press Ctrl+C.", Severity.Warning);
        }
    }

    private async Task RevokeAsync(ApiKeyDto key)
    {
        if (await ConfirmAsync(
            $"Revoke {key.Name}?",
            "Every client using this key is refused from now on; this cannot be undone. Create a new key first if the client must keep working.",
            yes: "Revoke", cancel: "Keep"))
        {
            await ActAsync(async () =>
            {
                await Service.RevokeAsync(key.Id, await UserAsync(), CancellationToken.None);
                Snackbar.Add($"{key.Name} revoked: it stopped working at once.", Severity.Success);
            });
        }
    }

    private sealed class KeyForm
    {
        public string Name { get; set; } = "";
        public ApiRole Role { get; set; } = ApiRole.Operator;
        public DateTime? Expires { get; set; }
    }
}
