using Gateway.Consent;
using Gateway.Masking.Rules;
using Gateway.Pipeline;
using Gateway.Quota;
using Gateway.Routing;
using Gateway.Telemetry;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Masking;

/// <summary>
/// One masked response, from the CRM's first byte to the client's last. The masking stage makes it
/// before forwarding, with what the rules chose (entity, view) and the request's consent gate, and
/// puts it on the request feature. YARP's transforms only call into it: to ask the CRM for an
/// uncompressed, whole body (<see cref="PrepareUpstreamRequest"/>), and, once the CRM's headers are
/// in, to decide what the body becomes and where YARP writes it
/// (<see cref="AcceptUpstreamResponseAsync"/>). When YARP returns, the stage ends forwarding
/// (<see cref="EndForwarding"/>) and completes the response (<see cref="CompleteAsync"/>). A body
/// that cannot be masked is never sent: 502 (or 451) while nothing was sent, else the connection
/// is aborted.
/// </summary>
internal sealed partial class MaskedResponse
{
    private const string Stage = "masking";
    private const string ConsentStage = "consent";

    private readonly HttpContext _http;
    private readonly JsonMasker _masker;
    private readonly CompiledRules _rules;
    private readonly CompiledEntity _entity;
    private readonly MaskingView _view;
    private readonly ConsentGate? _consent;

    /// <summary>Decides which records leave: the consent gate, within the caller's quota when it has records or clear-value budgets.</summary>
    private readonly IRecordGate? _gate;
    private readonly RoutePolicy _route;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger _logger;
    private BodyState _state = BodyState.Forwarding;

    /// <summary>The client's real body, while YARP writes into a guard, a held buffer or the handoff instead.</summary>
    private Stream? _client;

    /// <summary>The CRM body's Content-Encoding, which the masker decodes.</summary>
    private string? _contentEncoding;

    private GuardedBody? _guarded;
    private HeldUpstreamBody? _held;
    private BodyHandoff? _handoff;

    /// <summary>The task masking a streamed body as it arrives.</summary>
    private Task<MaskingReport>? _streaming;

    public MaskedResponse(HttpContext http, JsonMasker masker, CompiledRules rules, CompiledEntity entity, MaskingView view, ConsentGate? gate, RequestQuota? quota, RoutePolicy route, GatewayMetrics metrics, ILogger logger)
    {
        _http = http;
        _masker = masker;
        _rules = rules;
        _entity = entity;
        _view = view;
        _consent = gate;
        _gate = quota is null ? gate : quota.GateAround(gate);
        _route = route;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>What the body becomes once the CRM's headers are in.</summary>
    private enum BodyState
    {
        /// <summary>The CRM has not answered yet, or YARP failed before its response came: nothing to complete.</summary>
        Forwarding,

        /// <summary>Refused from its headers alone: a problem went out instead, and YARP copies no body.</summary>
        Refused,

        /// <summary>Declared empty: any byte at all is refused.</summary>
        DeclaredEmpty,

        /// <summary>Of a type the route passes unmasked: anything that may be JSON is refused.</summary>
        PassedThrough,

        /// <summary>Small: collected whole as YARP copies it, masked once YARP is done.</summary>
        Held,

        /// <summary>Masked by a task of its own as YARP copies it.</summary>
        Streamed,
    }

    /// <summary>The masked response of this request, for YARP's transforms; null when the request is not masked.</summary>
    public static MaskedResponse? Of(HttpContext http) => http.Features.Get<IGatewayRequestFeature>()?.MaskedResponse;

    /// <summary>Asks the CRM for an uncompressed, whole body.</summary>
    public void PrepareUpstreamRequest(HttpRequestMessage proxyRequest)
    {
        var headers = proxyRequest.Headers;
        // As raw text: the typed collection would parse what the client sent, only to clear it.
        headers.Remove(HeaderNames.AcceptEncoding);
        headers.TryAddWithoutValidation(HeaderNames.AcceptEncoding, "identity");
        headers.Range = null;
        headers.Remove(HeaderNames.IfRange);
    }

    /// <summary>
    /// The CRM's headers are in: lets through only bodies the masker can read (JSON, not partial,
    /// in a known encoding) and routes them through it, guards the bodies it does not read, and
    /// refuses everything else before a byte of it is copied.
    /// </summary>
    public async ValueTask AcceptUpstreamResponseAsync(ResponseTransformContext transform)
    {
        if (transform.ProxyResponse is not { } response)
        {
            return;
        }
        if (UpstreamFraming.Contradiction(_http.Request.Method, response) is { } contradiction)
        {
            await RefuseFromHeadersAsync(transform, StatusCodes.Status502BadGateway, UpstreamFraming.ReasonCode, contradiction);
            return;
        }
        if (!UpstreamFraming.MayHaveBody(_http.Request.Method, response.StatusCode) || response.Content.Headers.ContentLength == 0)
        {
            // Declared empty; the HTTP client reads no more than declared, and the guard sees to it that nothing does.
            Guard(BodyState.DeclaredEmpty, new EmptyOnlyBody(UpstreamFraming.ReasonCode, "The CRM sent a body where its response declared none."));
            return;
        }
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (MaskableContent.IsDeclaredPassThrough(mediaType, _route.PassThroughMediaTypes))
        {
            if (_consent is not null)
            {
                // Records the gateway cannot read cannot be shown to have a lawful basis.
                await RefuseFromHeadersAsync(transform, StatusCodes.Status451UnavailableForLegalReasons, "consent_not_checkable",
                    "This response's format cannot be checked for consent, and its purpose requires consent.", ConsentStage);
                return;
            }
            if (_gate is not null && !ReferenceEquals(_gate, _consent))
            {
                // Records the gateway cannot read cannot be counted against the caller's budget.
                await RefuseFromHeadersAsync(transform, StatusCodes.Status403Forbidden, "quota_not_countable",
                    "This response's format cannot be counted against this caller's records or clear-value budget.", QuotaRefusal.Stage);
                return;
            }
            Guard(BodyState.PassedThrough, new PassThroughBody(_http.Response.Body));
            return;
        }
        var lines = MaskableContent.IsNdjson(mediaType) && _route.MaskNdjson;
        if (MaskableContent.Refusal(response, lines) is { } refusal)
        {
            await RefuseFromHeadersAsync(transform, StatusCodes.Status502BadGateway, refusal.Reason, refusal.Detail);
            return;
        }
        var headers = _http.Response.Headers;
        headers.ContentLength = null;
        headers.Remove(HeaderNames.ContentEncoding);
        headers.Remove(HeaderNames.ContentMD5);
        headers.Remove(HeaderNames.ETag);

        _client = _http.Response.Body;
        _contentEncoding = response.Content.Headers.ContentEncoding.SingleOrDefault();
        if (!lines && response.Content.Headers.ContentLength is { } length && length <= ClientBodyStream.HeldBytes)
        {
            _held = new HeldUpstreamBody(length);
            // The response returns its pooled buffer however the request ends, YARP throwing included.
            _http.Response.RegisterForDispose(_held);
            _http.Response.Body = _held;
            _state = BodyState.Held;
            return;
        }
        _handoff = new BodyHandoff();
        _http.Response.Body = _handoff.Writer;
        _streaming = MaskStreamedAsync(_handoff, lines, _http.RequestAborted);
        _state = BodyState.Streamed;
    }

    /// <summary>
    /// YARP is done writing, whether it returned or threw: the masking task sees the body's end,
    /// and whatever is written from here on (a refusal) goes to the client, not into a handoff
    /// nobody reads.
    /// </summary>
    public void EndForwarding()
    {
        _handoff?.CompleteWriter();
        if (_client is { } client)
        {
            _http.Response.Body = client;
        }
    }

    /// <summary>After forwarding: sends what the response still holds back, or refuses it if it cannot be sent.</summary>
    /// <returns>What masking did to the body; null when it masked none (refused, guarded, or never forwarded) or refused it.</returns>
    public async Task<MaskingReport?> CompleteAsync()
    {
        switch (_state)
        {
            case BodyState.DeclaredEmpty or BodyState.PassedThrough:
                await CompleteGuardedAsync(_guarded!);
                return null;
            case BodyState.Held or BodyState.Streamed:
                return await CompleteMaskedAsync();
            default:
                return null;
        }
    }

    private async Task<MaskingReport?> CompleteMaskedAsync()
    {
        try
        {
            return _state == BodyState.Held
                ? await WriteMaskedAsync(_held!.ReadBack(), lines: false, _http.RequestAborted)
                : await _streaming!;
        }
        catch (RecordWithheldException)
        {
            // The body was one record, held whole until its verdict: nothing of it was sent.
            _metrics.RequestRefused(ConsentStage, "no_lawful_basis");
            await FailAsync(ConsentStage, StatusCodes.Status451UnavailableForLegalReasons, "no_lawful_basis",
                "The data subject has given no lawful basis for this purpose, so the record cannot be sent.");
        }
        catch (QuotaExhaustedException exhausted)
        {
            // The body was one record, held whole until its verdict: nothing of it was sent.
            if (_http.Response.HasStarted)
            {
                GatewayRequestFeature.GetOrCreate(_http).Deny(QuotaRefusal.Stage, exhausted.Refusal.Code);
                _http.Abort();
            }
            else
            {
                _http.Response.Headers.Clear();
                await exhausted.Refusal.RefuseAsync(_http, _metrics);
            }
        }
        catch (Exception ex) when (ex is MaskingException or IOException or InvalidDataException)
        {
            var reason = ex is MaskingException masking ? masking.Reason : "body_unreadable";
            _metrics.RequestRefused(Stage, reason);
            LogFailed(_logger, reason, _http.Response.HasStarted);
            await FailAsync(Stage, StatusCodes.Status502BadGateway, reason, "The CRM response could not be masked, so it was not sent.");
        }
        return null;
    }

    private async Task CompleteGuardedAsync(GuardedBody guarded)
    {
        if (!guarded.Violated)
        {
            if (guarded is PassThroughBody passed)
            {
                await passed.CompleteAsync(_http.RequestAborted);
            }
            return;
        }
        _metrics.RequestRefused(Stage, guarded.ReasonCode);
        LogFailed(_logger, guarded.ReasonCode, _http.Response.HasStarted);
        await FailAsync(Stage, StatusCodes.Status502BadGateway, guarded.ReasonCode, guarded.Detail);
    }

    /// <summary>The response cannot be sent: the connection is aborted if part of it went out already, else a problem goes out instead.</summary>
    private Task FailAsync(string stage, int status, string reason, string detail)
    {
        if (_http.Response.HasStarted)
        {
            GatewayRequestFeature.GetOrCreate(_http).Deny(stage, reason);
            _http.Abort();
            return Task.CompletedTask;
        }
        _http.Response.Headers.Clear();
        return GatewayProblem.RefuseAsync(_http, stage, status, reason, detail);
    }

    private void Guard(BodyState state, GuardedBody guarded)
    {
        _client = _http.Response.Body;
        _guarded = guarded;
        _http.Response.Body = guarded;
        _state = state;
    }

    private Task RefuseFromHeadersAsync(ResponseTransformContext transform, int status, string reason, string detail, string stage = Stage)
    {
        transform.SuppressResponseBody = true;
        _http.Response.Headers.Clear();
        _state = BodyState.Refused;
        return GatewayProblem.RefuseAsync(_http, stage, status, reason, detail);
    }

    private async Task<MaskingReport> MaskStreamedAsync(BodyHandoff handoff, bool lines, CancellationToken cancellationToken)
    {
        try
        {
            return await WriteMaskedAsync(handoff.Reader, lines, cancellationToken);
        }
        finally
        {
            // Whatever happened, YARP must not block writing a body nobody reads any more.
            handoff.CompleteReader();
        }
    }

    /// <summary>Masks the CRM body, decoded where it came compressed, onto the client's response.</summary>
    private async Task<MaskingReport> WriteMaskedAsync(Stream upstream, bool lines, CancellationToken cancellationToken)
    {
        var client = _client ?? throw new InvalidOperationException("The client's body stream was not kept.");
        // NDJSON is often a feed: each line goes out as soon as it is masked.
        using var held = lines ? null : new ClientBodyStream(_http.Response, client);
        await using var body = ContentCodings.Decoder(upstream, _contentEncoding);
        var report = await _masker.MaskAsync(body, (Stream?)held ?? client, _rules, _entity, _view, cancellationToken, lines, _gate);
        if (_http.Features.Get<IForwarderErrorFeature>() is { Error: not ForwarderError.None })
        {
            // YARP stopped reading the CRM early; what it passed on may still parse as whole JSON.
            throw new IOException("The CRM body did not arrive whole.");
        }
        if (held is not null)
        {
            await held.CompleteAsync(cancellationToken);
        }
        return report;
    }

    [LoggerMessage(EventId = 1610, Level = LogLevel.Warning, Message = "A CRM response could not be masked ({Reason}); {Outcome}")]
    private static partial void LogFailedCore(ILogger logger, string reason, string outcome);

    private static void LogFailed(ILogger logger, string reason, bool started) =>
        LogFailedCore(logger, reason, started ? "the connection was aborted mid-body" : "502 sent instead");
}
