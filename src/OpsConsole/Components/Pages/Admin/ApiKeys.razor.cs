using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using MudBlazor;
using OpsConsole.Api;
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
    private IReadOnlyDictionary<string, List<string>> errors = new Dictionary<string, List<string>>();
    private bool busy;

    [Inject] private ApiKeyService Service { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private IJSRuntime JS { get; set; } = default!;

    protected override bool IsRelevant(DomainEvent domainEvent) => false;

    protected override async Task LoadAsync() => keys = await Service.ListAsync(CancellationToken.None);

    private static string RoleName(string wire) => WireFormat.TryParse<ApiRole>(wire, out var role) ? role.ToString() : wire;

    private string State(ApiKeyDto key) => key.RevokedAt is not null ? "revoked" : key.ExpiresAt <= Now ? "expired" : "active";

    private string? Errors(string field) => errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;

    private void NewKey()
    {
        errors = new Dictionary<string, List<string>>();
        form = new KeyForm();
    }

    private async Task CreateAsync()
    {
        if (form is null)
        {
            return;
        }

        // The same reading and checks as POST api-keys/, so the form and the API refuse the same things with the same words.
        var json = new JsonObject
        {
            ["name"] = form.Name,
            ["role"] = WireFormat.Of(form.Role),
            ["expires_at"] = form.Expires is { } day ? DateTime.SpecifyKind(day.Date.AddDays(1), DateTimeKind.Utc).ToString("O") : null,
        };
        var body = JsonBody.From(JsonNode.Parse(json.ToJsonString())!.AsObject());
        if (ApiKeyRequest.Read(body, Now) is not { } request)
        {
            errors = body.Errors;
            Snackbar.Add("Not created: " + string.Join(" ", body.Errors.SelectMany(e => e.Value)), Severity.Warning);
            return;
        }

        busy = true;
        try
        {
            created = await Service.CreateAsync(request, await UserAsync(), CancellationToken.None);
            form = null;
            errors = new Dictionary<string, List<string>>();
            Snackbar.Add($"Key {created.Key.Name} created. Copy it from the dialog now.", Severity.Success);
        }
        catch (RefusedException ex)
        {
            Snackbar.Add(ex.Message, Severity.Warning);
        }
        finally
        {
            busy = false;
        }

        await ReloadAsync();
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
        var confirmed = await Dialogs.ShowMessageBoxAsync(
            $"Revoke {key.Name}?",
            "Every client using this key is refused from now on; this cannot be undone. Create a new key first if the client must keep working.",
            yesText: "Revoke", cancelText: "Keep");
        if (confirmed != true)
        {
            return;
        }

        busy = true;
        try
        {
            await Service.RevokeAsync(key.Id, await UserAsync(), CancellationToken.None);
            Snackbar.Add($"{key.Name} revoked: it stopped working at once.", Severity.Success);
        }
        catch (RefusedException ex)
        {
            Snackbar.Add(ex.Message, Severity.Warning);
        }
        finally
        {
            busy = false;
        }

        await ReloadAsync();
    }

    private sealed class KeyForm
    {
        public string Name { get; set; } = "";
        public ApiRole Role { get; set; } = ApiRole.Operator;
        public DateTime? Expires { get; set; }
    }
}
