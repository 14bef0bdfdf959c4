using System.Diagnostics.Metrics;
using System.IO.Pipelines;
using System.Text;
using Gateway.Audit;
using Gateway.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Audit;

/// <summary>
/// With Durability spooled or stream, what completes a response for its client waits until the
/// audit trail says the response's event is kept: the last byte of a body with a Content-Length,
/// the end of any other body, the headers of a response without a body. The trail here is a stand-in
/// whose answer the test gives; the real writer's answer is tested with it.
/// </summary>
public sealed class AuditMiddlewareHoldTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly AnsweredTrail _trail = new();
    private readonly ServerBody _server = new();

    public void Dispose() => _services.Dispose();

    [Fact]
    public async Task BodyWithContentLength_ItsLastByteWaitsForTheEvent()
    {
        var context = Context();

        var invoked = Middleware("spooled", async c =>
        {
            c.Response.ContentLength = 5;
            await c.Response.Body.WriteAsync("hello"u8.ToArray());
        }).InvokeAsync(context);

        await _trail.Recorded;
        Assert.Equal("hell", _server.Text);
        _trail.Answer(true);
        await invoked;
        Assert.Equal("hello", _server.Text);
    }

    [Fact]
    public async Task BodyWrittenThroughThePipeWriter_ItsLastByteWaitsForTheEventToo()
    {
        var context = Context();

        var invoked = Middleware("stream", async c =>
        {
            c.Response.ContentLength = 5;
            await c.Response.BodyWriter.WriteAsync("hello"u8.ToArray());
        }).InvokeAsync(context);

        await _trail.Recorded;
        Assert.Equal("hell", _server.Text);
        _trail.Answer(true);
        await invoked;
        Assert.Equal("hello", _server.Text);
    }

    [Fact]
    public async Task BodyWithoutLength_CompletedByThePipeline_DoesNotEndTheServersResponseBeforeTheEvent()
    {
        var context = Context();

        var invoked = Middleware("spooled", async c =>
        {
            await c.Response.Body.WriteAsync("chunk"u8.ToArray());
            await c.Response.CompleteAsync();
        }).InvokeAsync(context);

        await _trail.Recorded;
        Assert.Equal(("chunk", false), (_server.Text, _server.Completed));
        _trail.Answer(true);
        await invoked;
        Assert.False(_server.Completed);
    }

    [Fact]
    public async Task ResponseWithoutBody_AFlushBeforeAnyByte_DoesNotSendItsHeaders()
    {
        var context = Context();

        var invoked = Middleware("spooled", async c =>
        {
            c.Response.StatusCode = StatusCodes.Status204NoContent;
            await c.Response.StartAsync();
        }).InvokeAsync(context);

        await _trail.Recorded;
        Assert.False(_server.Flushed);
        _trail.Answer(true);
        await invoked;
    }

    [Fact]
    public async Task EventThatWillNotBeKept_AbortsTheConnection_WithoutTheLastByte()
    {
        var context = Context();

        var invoked = Middleware("spooled", async c =>
        {
            c.Response.ContentLength = 5;
            await c.Response.Body.WriteAsync("hello"u8.ToArray());
        }).InvokeAsync(context);
        await _trail.Recorded;
        _trail.Answer(false);
        await invoked;

        Assert.Equal(("hell", true), (_server.Text, context.Features.GetRequiredFeature<AbortRecorder>().Aborted));
    }

    [Fact]
    public async Task DurabilityQueued_HoldsNothing()
    {
        var context = Context();

        var invoked = Middleware("queued", async c =>
        {
            c.Response.ContentLength = 5;
            await c.Response.Body.WriteAsync("hello"u8.ToArray());
        }).InvokeAsync(context);

        await _trail.Recorded;
        Assert.Equal("hello", _server.Text);
        _trail.Answer(true);
        await invoked;
    }

    private AuditMiddleware Middleware(string durability, RequestDelegate next) =>
        new(next, _trail, Options.Create(new AuditOptions { Durability = durability }), new GatewayMetrics(_services.GetRequiredService<IMeterFactory>()), TimeProvider.System);

    private DefaultHttpContext Context()
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Path = "/api/contacts";
        context.Features.Set<IHttpResponseBodyFeature>(_server);
        var aborts = new AbortRecorder();
        context.Features.Set<IHttpRequestLifetimeFeature>(aborts);
        context.Features.Set(aborts);
        return context;
    }

    /// <summary>The server's end of the response: what reached it, whether it was flushed (the headers sent), whether it was completed.</summary>
    private sealed class ServerBody : IHttpResponseBodyFeature
    {
        private readonly FlushRecordingStream _stream = new();

        public Stream Stream => _stream;

        public PipeWriter Writer => throw new NotSupportedException("The hold writes to the server's stream.");

        public string Text => Encoding.ASCII.GetString(_stream.ToArray());

        public bool Flushed => _stream.Flushed;

        public bool Completed { get; private set; }

        public void DisableBuffering()
        {
        }

        public Task StartAsync(CancellationToken cancellationToken = default) => _stream.FlushAsync(cancellationToken);

        public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task CompleteAsync()
        {
            Completed = true;
            return Task.CompletedTask;
        }
    }

    private sealed class FlushRecordingStream : MemoryStream
    {
        public bool Flushed { get; private set; }

        public override Task FlushAsync(CancellationToken cancellationToken)
        {
            Flushed = true;
            return Task.CompletedTask;
        }
    }

    private sealed class AbortRecorder : IHttpRequestLifetimeFeature
    {
        public CancellationToken RequestAborted { get; set; }

        public bool Aborted { get; private set; }

        public void Abort() => Aborted = true;
    }

    /// <summary>Records one event and answers, when the test says, whether it is kept.</summary>
    private sealed class AnsweredTrail : IAuditTrail
    {
        private readonly TaskCompletionSource _recorded = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<bool> _kept = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool CanAccept => true;

        public Task Recorded => _recorded.Task;

        public void Answer(bool kept) => _kept.SetResult(kept);

        public ValueTask<bool> RecordAsync(AuditEvent auditEvent)
        {
            _recorded.SetResult();
            return new ValueTask<bool>(_kept.Task);
        }
    }
}
