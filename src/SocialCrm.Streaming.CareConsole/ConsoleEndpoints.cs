using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using SocialCrm.Streaming.CareConsole.Access;
using SocialCrm.Streaming.CareConsole.Cases;
using SocialCrm.Streaming.CareConsole.Kpis;
using SocialCrm.Streaming.CareConsole.Live;
using SocialCrm.Streaming.CareConsole.Views;
using SocialCrm.Streaming.Domain.Mentions;

namespace SocialCrm.Streaming.CareConsole;

/// <summary>The console's HTTP API. Every route checks the user's brands on the server: another brand is a 403.</summary>
public static partial class ConsoleEndpoints
{
    /// <summary>The body of a case command: the teammate for assign, the text for a note, the outcome for resolve.</summary>
    public sealed record CaseRequest(string? Assignee, string? Text, string? Outcome);

    [GeneratedRegex("^[a-z0-9_-]{1,64}$")]
    private static partial Regex BrandPattern();

    [GeneratedRegex("^(crs|trg)-[0-9a-f]{16}$")]
    private static partial Regex SignalIdPattern();

    [GeneratedRegex(@"^[\w.@-]{1,64}$")]
    private static partial Regex AgentPattern();

    public static void Map(WebApplication app)
    {
        var api = app.MapGroup("/api").RequireAuthorization().AddEndpointFilter<RedisUnavailable>();
        api.MapGet("/me", (ClaimsPrincipal user, BrandAccess access) =>
            Results.Ok(new { name = access.NameOf(user), brands = access.BrandsOf(user).Order(StringComparer.Ordinal) }));

        api.MapGet("/queue", async (ClaimsPrincipal user, BrandAccess access, SignalReader signals, CaseStore cases,
            [FromQuery(Name = "brand")] string[]? brand, string? type, string? kind, string? priority, string? state) =>
        {
            if (Brands(user, access, brand) is not { } brands)
            {
                return Results.Forbid();
            }
            var filter = new QueueFilter(type, kind, priority, state);
            if (filter.Problem() is { } problem)
            {
                return Results.Problem(problem, statusCode: StatusCodes.Status400BadRequest);
            }
            var listed = new List<SignalSummary>();
            var snapshots = new Dictionary<string, CaseSnapshot>(StringComparer.Ordinal);
            foreach (var b in brands)
            {
                var ofBrand = await signals.ReadAsync(b).ConfigureAwait(false);
                listed.AddRange(ofBrand);
                foreach (var (id, snapshot) in await cases.LoadManyAsync(b, [.. ofBrand.Select(s => s.Id)]).ConfigureAwait(false))
                {
                    snapshots[id] = snapshot;
                }
            }
            return Results.Ok(QueueView.Select(listed, snapshots, filter));
        });

        api.MapGet("/stream", async (HttpContext context, ClaimsPrincipal user, BrandAccess access, LiveStream live,
            [FromQuery(Name = "brand")] string[]? brand, long? since) =>
        {
            if (Brands(user, access, brand) is not { } brands)
            {
                return Results.Forbid();
            }
            var lastEventId = context.Request.Headers["Last-Event-ID"].ToString();
            var from = long.TryParse(lastEventId, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : since;
            if (from is { } lastSeen && !LiveStream.CanCatchUpFrom(lastSeen))
            {
                // Refused before the stream opens: a stream dropped after it opened is retried by the browser for ever.
                return Results.Problem("since (or Last-Event-ID) is milliseconds since 1970-01-01 UTC, within the years 1 to 9999", statusCode: StatusCodes.Status400BadRequest);
            }
            await live.RunAsync(context, brands, from).ConfigureAwait(false);
            return Results.Empty;
        });

        var brandApi = api.MapGroup("/brands/{brand}").AddEndpointFilter(async (context, next) =>
        {
            var brand = context.HttpContext.GetRouteValue("brand") as string ?? "";
            var access = context.HttpContext.RequestServices.GetRequiredService<BrandAccess>();
            if (!BrandPattern().IsMatch(brand))
            {
                return Results.BadRequest();
            }
            return access.May(context.HttpContext.User, brand) ? await next(context).ConfigureAwait(false) : Results.Forbid();
        });

        brandApi.MapGet("/overview", async (string brand, int? minutes, BrandOverviewReader overview, SignalReader signals, TimeProvider clock) =>
        {
            // Volume minutes are event time: the window ends at the newest listed signal's event time when that is later than now.
            var newest = (await signals.ReadAsync(brand).ConfigureAwait(false)).Select(s => EventTime(s.Json)).OfType<DateTimeOffset>().DefaultIfEmpty(clock.GetUtcNow()).Max();
            var end = newest > clock.GetUtcNow() ? newest : clock.GetUtcNow();
            return Results.Ok(await overview.ReadAsync(brand, end, Math.Clamp(minutes ?? 60, 1, 24 * 60)).ConfigureAwait(false));
        });

        brandApi.MapGet("/customers/{localId}", async (string brand, string localId, CustomerReader customers, SignalReader signals, CaseStore cases) =>
        {
            // A customer id, or a prospect's platform:authorId (alerts are raised for authors without a CRM id too).
            if (!EntityId.TryParseCustomerOrProspect($"{brand}:{localId}", out var entity))
            {
                return Results.NotFound();
            }
            var state = await customers.ReadStateAsync(entity).ConfigureAwait(false);
            var raised = (await signals.ReadAsync(brand).ConfigureAwait(false)).Where(s => s.EntityId == entity.Value).ToList();
            if (state.Count == 0 && raised.Count == 0)
            {
                return Results.NotFound();
            }
            var snapshots = await cases.LoadManyAsync(brand, [.. raised.Select(s => s.Id)]).ConfigureAwait(false);
            var mentions = await customers.ReadTimelineAsync(entity).ConfigureAwait(false);
            return Results.Ok(new CustomerView(entity.Value, state, mentions, QueueView.Select(raised, snapshots, new QueueFilter(null, null, null, null))));
        });

        brandApi.MapGet("/kpis", async (string brand, DateTimeOffset? from, DateTimeOffset? to, SignalReader signals, CaseStore cases, TimeProvider clock) =>
        {
            var end = to ?? clock.GetUtcNow();
            var start = from ?? (end - DateTimeOffset.MinValue > TimeSpan.FromDays(1) ? end.AddDays(-1) : DateTimeOffset.MinValue);
            if (start > end)
            {
                return Results.Problem("from is after to", statusCode: StatusCodes.Status400BadRequest);
            }
            var worked = await cases.ChangedSinceAsync(brand, start).ConfigureAwait(false);
            var trails = await cases.AuditsAsync(brand, [.. worked]).ConfigureAwait(false);
            // Worked cases whose signal left the capped lists still count: their subject is in their events.
            var subjects = (await signals.ReadAsync(brand).ConfigureAwait(false)).Select(s => s.Subject)
                .Concat(trails.Values.Where(t => t.Count > 0).Select(t => t[0].Subject));
            return Results.Ok(CaseKpis.Compute(subjects, trails, start, end));
        });

        brandApi.MapGet("/cases/{signalId}", async (string brand, string signalId, CaseStore cases) =>
        {
            if (!SignalIdPattern().IsMatch(signalId))
            {
                return Results.BadRequest();
            }
            var current = (await cases.LoadAsync(brand, signalId).ConfigureAwait(false)).Snapshot;
            var audit = await cases.AuditsAsync(brand, [signalId]).ConfigureAwait(false);
            // The audit trail as the case-event JSON it is stored as (topology/schemas/case-event.schema.json).
            return Results.Ok(new { @case = current is null ? null : CaseView.Of(current), audit = audit[signalId].Select(e => JsonSerializer.Deserialize<JsonElement>(CaseJson.Serialize(e))) });
        });

        brandApi.MapPost("/cases/{signalId}/{action}", async (string brand, string signalId, string action, [FromBody] CaseRequest? body,
            ClaimsPrincipal user, BrandAccess access, CaseWork work) =>
        {
            if (!SignalIdPattern().IsMatch(signalId) || !CaseNames.TryParseAction(action, out var caseAction))
            {
                return Results.NotFound();
            }
            if (body?.Assignee is { } assignee && !AgentPattern().IsMatch(assignee))
            {
                return Results.Problem("a teammate's name has 1 to 64 letters, digits or . _ @ -", statusCode: StatusCodes.Status400BadRequest);
            }
            CaseOutcome? outcome = null;
            if (body?.Outcome is { } outcomeText)
            {
                if (!CaseNames.TryParseOutcome(outcomeText, out var parsed))
                {
                    return Results.Problem($"unknown outcome; one of {string.Join(", ", CaseNames.Outcomes.Select(o => o.ToWire()))}", statusCode: StatusCodes.Status400BadRequest);
                }
                outcome = parsed;
            }
            var result = await work.ExecuteAsync(brand, signalId, new CaseCommand(caseAction, access.NameOf(user), body?.Assignee, body?.Text, outcome)).ConfigureAwait(false);
            return result.Applied is { } applied
                ? Results.Ok(new { eventId = applied.EventId, @case = CaseView.Of(CaseSnapshot.After(applied)) })
                : Results.Problem(result.Reason, statusCode: result.Status);
        }).AddEndpointFilter<WriteGuard>();
    }

    /// <summary>The brands asked for (all the user's when none), or null when any of them is not the user's.</summary>
    private static List<string>? Brands(ClaimsPrincipal user, BrandAccess access, string[]? requested)
    {
        var allowed = access.BrandsOf(user);
        if (requested is not { Length: > 0 })
        {
            return [.. allowed.Order(StringComparer.Ordinal)];
        }
        return requested.All(allowed.Contains) ? [.. requested.Distinct(StringComparer.Ordinal)] : null;
    }

    /// <summary>The signal's event time; null when another hand listed it without one (it then does not move the window).</summary>
    private static DateTimeOffset? EventTime(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.TryGetProperty("eventTime", out var eventTime) && eventTime.ValueKind == JsonValueKind.String
            && eventTime.TryGetDateTimeOffset(out var at) ? at : null;
    }
}
