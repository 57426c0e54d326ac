using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.Storage.SQLite;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using OpsConsole.Api;
using OpsConsole.Components;
using OpsConsole.Components.Layout;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.Agents;
using OpsConsole.Features.Agents.Demo;
using OpsConsole.Features.Audit;
using OpsConsole.Features.Dashboard;
using OpsConsole.Features.Deployments;
using OpsConsole.Features.GitHub;
using OpsConsole.Features.Health;
using OpsConsole.Features.Notifications;
using OpsConsole.Features.Orchestration;
using OpsConsole.Features.WorkItems;
using OpsConsole.Integrations.GitHub;
using OpsConsole.Jobs;
using OpsConsole.Realtime;
using OpsConsole.Security;
using Scalar.AspNetCore;
using Serilog;

namespace OpsConsole.Hosting;

/// <summary>Composition only: one Add… per concern, one Use… for the pipeline.</summary>
public static class OpsConsoleHosting
{
    public const string DefaultUrl = "http://localhost:5080";

    public static WebApplicationBuilder AddOpsConsole(this WebApplicationBuilder builder)
    {
        builder.AddDeveloperSettings();
        var settings = builder.Configuration.GetSection(OpsConsoleOptions.Section).Get<OpsConsoleOptions>() ?? new();
        var orchestration = BindOrchestration(builder.Configuration);
        var problems = settings.Validate(builder.Configuration).Concat(orchestration.Validate()).Concat(GitHubServices.Read(builder.Configuration).Validate()).ToList();
        if (problems.Count > 0)
        {
            throw new OpsConsoleSettingsException($"OpsConsole cannot start: {problems[0]}");
        }

        var data = settings.ForData(builder.Configuration);
        PrivateFiles.Apply(data.FullDataDirectory, settings.LogDirectory);
        // Run from the build output (dotnet run, browser tests) outside Development, Blazor's and MudBlazor's files are
        // found only through the static web assets manifest, which ASP.NET Core reads by itself in Development alone;
        // without it they are served empty and the console is unstyled. A published app has no manifest: a no-op there.
        if (!builder.Environment.IsDevelopment())
        {
            builder.WebHost.UseStaticWebAssets();
        }

        if (string.IsNullOrEmpty(builder.Configuration["urls"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 4 * 1024 * 1024);
        builder.AddOpsLogging(settings);
        var services = builder.Services;
        services.Configure<OpsConsoleOptions>(builder.Configuration.GetSection(OpsConsoleOptions.Section));
        services.Configure<OrchestrationOptions>(builder.Configuration.GetSection(OrchestrationOptions.Section));
        services.Configure<IssueDeliveryOptions>(builder.Configuration.GetSection(OrchestrationOptions.Section)); // the outbox's Orchestration:DryRun
        services.AddSingleton(settings);
        services.AddSingleton(settings.ForProtection());
        services.AddSingleton(sp => new Domain.ConsoleLinks(sp.GetRequiredService<IOptions<OpsConsoleOptions>>().Value.PublicUrl));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(Random.Shared);

        var nodeName = Telemetry.NodeName(settings, builder.Configuration);
        services.AddSingleton(LeaseHolder.ForNode(nodeName));
        services.AddOpsData(data);
        services.AddOpsSecurity();
        services.AddOpsProtection();
        services.AddOpsEngine();
        services.AddOpsJobs(data, builder.Configuration);
        services.AddOpsIntake(builder.Configuration);
        services.AddOpsGitHub(builder.Configuration).AddOpsGitHubFeatures();
        services.AddOpsNotifications();
        services.AddOpsRealtime(builder.Configuration);
        services.AddOpsDemo(settings.Demo);
        services.AddOpsApi();
        services.AddOpsUi();
        services.AddOpsTelemetry(nodeName);
        return builder;
    }

    /// <summary>The app's database from the <c>OpsConsole</c> settings (Data is told them as <see cref="DataSettings"/>).</summary>
    public static IServiceCollection AddOpsData(this IServiceCollection services, OpsConsoleOptions settings, IConfiguration configuration) =>
        services.AddOpsData(settings.ForData(configuration));

    public static WebApplication UseOpsConsole(this WebApplication app)
    {
        app.UseLiveConnectionShutdownGate("/_blazor", OrchestrationHub.Path);
        app.UseSerilogRequestLogging(o => o.GetLevel = (http, _, ex) =>
            ex is not null || http.Response.StatusCode >= 500 ? Serilog.Events.LogEventLevel.Error : Serilog.Events.LogEventLevel.Debug);
        if (ForwardedFromKnownProxies(app.Services.GetRequiredService<OpsConsoleOptions>()) is { } forwarded)
        {
            app.UseForwardedHeaders(forwarded);
        }

        app.UseSecurityHeaders();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseBrowserNotFoundPage();
        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
        }

        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new PhysicalFileProvider(AssetsDirectory()),
            RequestPath = "/assets",
        });
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseCookieApiAntiforgery();
        app.UseLiveConnectionOriginCheck(app.Services.GetRequiredService<IOptions<OpsConsoleOptions>>().Value.PublicUrl, "/_blazor", OrchestrationHub.Path);
        app.Use(async (context, next) =>
        {
            if (context.User.Identity?.IsAuthenticated == true)
            {
                AuditContext.Set(context.User.ToActor(), context.Connection.RemoteIpAddress?.ToString());
            }

            await next();
        });
        app.UseAntiforgery();

        app.MapStaticAssets();
        app.MapOrchestrationApi();
        app.MapOpenApi("/api/docs/{documentName}.json").AllowAnonymous();
        app.MapScalarApiReference("/api/docs", o => o
            .WithTitle("OpsConsole API")
            .WithOpenApiRoutePattern("/api/docs/{documentName}.json")).AllowAnonymous();
        app.MapHub<OrchestrationHub>(OrchestrationHub.Path);
        app.MapHangfireDashboard("/hangfire", new DashboardOptions { Authorization = [], DashboardTitle = "OpsConsole jobs" })
            .RequireAuthorization(OpsPolicies.Admin);
        app.MapProbes();
        app.MapMetrics();
        app.MapAccountEndpoints();
        app.MapTaskExport();
        app.MapAuditExport();
        app.MapThemeStylesheet();
        // No per-message deflate on the circuits' WebSockets: its state is about 300 KB of native memory per open page
        // (issue #7: 200 dashboards), while a dashboard update is a few kilobytes on the ops room's network.
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode(o => o.DisableWebSocketCompression = true);
        return app;
    }

    /// <summary>
    /// X-Forwarded-For/-Proto only from OpsConsole:KnownProxies, and not at all without them (ASP.NET Core believes any
    /// loopback client by default, and every client when the lists are empty, which would let a caller pick the address
    /// that the sign-in limit and the audit trail see).
    /// </summary>
    private static ForwardedHeadersOptions? ForwardedFromKnownProxies(OpsConsoleOptions settings)
    {
        if (settings.ProxyNetworks().Count == 0)
        {
            return null;
        }

        var options = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto };
        options.KnownIPNetworks.Clear();
        options.KnownProxies.Clear();
        foreach (var network in settings.ProxyNetworks())
        {
            options.KnownIPNetworks.Add(network);
        }

        return options;
    }

    internal static OrchestrationOptions BindOrchestration(IConfiguration configuration)
    {
        try
        {
            return configuration.GetSection(OrchestrationOptions.Section).Get<OrchestrationOptions>() ?? new();
        }
        catch (InvalidOperationException ex)
        {
            throw new OpsConsoleSettingsException($"OpsConsole cannot start: {ex.Message}");
        }
    }

    /// <summary>The root appsettings.Development.json lives beside OpsConsole.sln, outside the project's content root.</summary>
    private static void AddDeveloperSettings(this WebApplicationBuilder builder)
    {
        if (!builder.Environment.IsDevelopment() || RepositoryRoot(builder.Environment.ContentRootPath) is not { } root)
        {
            return;
        }

        var file = Path.Combine(root, "appsettings.Development.json");
        var sources = builder.Configuration.Sources;
        var lastJson = sources.Select((s, i) => (s, i)).LastOrDefault(x => x.s is JsonConfigurationSource).i;
        var source = new JsonConfigurationSource { Path = file, Optional = true, ReloadOnChange = true };
        source.ResolveFileProvider();
        sources.Insert(Math.Min(lastJson + 1, sources.Count), source);
    }

    internal static string? RepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OpsConsole.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    private static string AssetsDirectory()
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "wwwroot-assets");
        if (Directory.Exists(beside))
        {
            return beside;
        }

        var root = RepositoryRoot(AppContext.BaseDirectory);
        var inRepo = root is null ? null : Path.Combine(root, "wwwroot-assets");
        if (inRepo is not null && Directory.Exists(inRepo))
        {
            return inRepo;
        }

        Directory.CreateDirectory(beside);
        return beside;
    }

    private static void AddOpsLogging(this WebApplicationBuilder builder, OpsConsoleOptions settings)
    {
        // The folder exists from the start (runbooks point tail -f at it), not only once the first line is written.
        var logFile = new CurrentLogFile(Path.GetFullPath(settings.LogDirectory), new Serilog.Formatting.Compact.CompactJsonFormatter());
        builder.Services.AddSerilog((sp, log) => log
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft", Serilog.Events.LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", Serilog.Events.LogEventLevel.Information)
            .MinimumLevel.Override("Hangfire", Serilog.Events.LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher", Serilog.Events.LogEventLevel.Fatal) // HubFaultFilter logs hub faults
            .Enrich.FromLogContext()
            .ReadFrom.Configuration(builder.Configuration)
            .WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}")
            .WriteTo.Sink(logFile), preserveStaticLogger: true); // this host's own logger, not the process-wide static one
        CachedLoggerFactory.Decorate(builder.Services);
    }

    private static IServiceCollection AddOpsEngine(this IServiceCollection services)
    {
        services.AddOrchestration();
        services.AddSingleton<AgentService>();
        services.AddSingleton<OpsConsole.Features.Rules.RuleService>();
        services.AddSingleton<OpsConsole.Features.Rules.RulePreview>();
        services.AddSingleton<OpsConsole.Features.Rules.RuleBacktest>();
        services.AddSingleton<HealthService>();
        services.AddSingleton<DatabaseStatus>();
        services.AddSingleton<StatusQueries>();
        services.AddSingleton<DashboardFeed>();
        services.AddSingleton<OpsConsole.Components.Dashboard.DashboardMarkup>();
        services.AddSingleton<OpsConsole.Components.Layout.ThemeStylesheet>();
        services.AddSingleton<TaskQueries>();
        services.AddSingleton<OpsConsole.Features.Audit.AuditQueries>();
        services.AddHostedService<StartupInitializer>();
        return services;
    }

    private static IServiceCollection AddOpsJobs(this IServiceCollection services, DataSettings settings, IConfiguration configuration)
    {
        services.AddHangfire(config =>
        {
            config.SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
                .UseSimpleAssemblyNameTypeSerializer()
                .UseRecommendedSerializerSettings();
            if (settings.UsesPostgres)
            {
                config.UsePostgreSqlStorage(o => o.UseNpgsqlConnection(configuration.GetConnectionString("Hangfire")),
                    new PostgreSqlStorageOptions
                    {
                        QueuePollInterval = TimeSpan.FromSeconds(1),
                        // A node killed while it held a scheduler lock (taken every second) or ran a job must not stall the
                        // others: the defaults (10 and 30 minutes) froze recurring and delayed jobs on every node that long.
                        DistributedLockTimeout = TimeSpan.FromMinutes(1),
                        InvisibilityTimeout = TimeSpan.FromMinutes(1),
                        UseSlidingInvisibilityTimeout = true,
                    });
            }
            else
            {
                config.UseSQLiteStorage(Path.Combine(settings.FullDataDirectory, "hangfire.db"), new SQLiteStorageOptions
                {
                    QueuePollInterval = TimeSpan.FromMilliseconds(500),
                    DistributedLockLifetime = TimeSpan.FromSeconds(30),
                    JobExpirationCheckInterval = TimeSpan.FromMinutes(30),
                });
            }
        });
        services.AddHangfireServer(o =>
        {
            o.SchedulePollingInterval = TimeSpan.FromSeconds(1);
            o.WorkerCount = Math.Clamp(Environment.ProcessorCount * 2, 2, 8);
            o.ServerName = $"opsconsole-{Environment.MachineName}";
        });
        services.AddSingleton<IDueWorkScheduler, HangfireDueWorkScheduler>();
        services.AddSingleton<IJobStatistics, HangfireJobStatistics>();
        services.AddTransient<OrchestrationSweepJob>();
        services.AddTransient<HealthSnapshotJob>();
        services.AddHostedService<JobRegistrar>();
        return services;
    }

    private static IServiceCollection AddOpsRealtime(this IServiceCollection services, IConfiguration configuration)
    {
        var cluster = new ClusterSettings(configuration.GetConnectionString("Redis"));
        services.AddSingleton(cluster);
        services.AddSingleton<OpsEvents>();
        services.AddSingleton<IDomainEventSink>(sp => sp.GetRequiredService<OpsEvents>());
        services.AddSingleton<OpsEventStream>();
        services.AddSingleton<HubAudience>();
        services.AddSingleton<ClusterBus>();
        services.AddSingleton<LiveCircuits>();
        services.AddScoped<Microsoft.AspNetCore.Components.Server.Circuits.CircuitHandler, LiveCircuits.Tracker>();
        services.AddHostedService<EventFanOut>();
        var signalR = services.AddSignalR(o => o.AddFilter<HubFaultFilter>()).AddJsonProtocol(o => ApiJson.Configure(o.PayloadSerializerOptions))
            .AddHubOptions<OrchestrationHub>(o => o.MaximumParallelInvocationsPerClient = OrchestrationHub.ParallelCallsPerConnection);
        if (cluster.IsClustered)
        {
            // Scaled out: hub groups and messages span the nodes (backplane); committed changes and revocations cross
            // nodes through ClusterBus.
            services.AddHostedService(sp => sp.GetRequiredService<ClusterBus>());
            services.AddHealthChecks().AddCheck<ClusterBus.Readiness>("redis", tags: ["ready"]);
            signalR.AddStackExchangeRedis(cluster.Redis!, o => o.Configuration.ChannelPrefix = StackExchange.Redis.RedisChannel.Literal("opsconsole"));
        }

        return services;
    }

    private static IServiceCollection AddOpsApi(this IServiceCollection services)
    {
        services.ConfigureHttpJsonOptions(o => ApiJson.Configure(o.SerializerOptions));
        services.AddApiRouteConstraints();
        services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Detail ??= context.ProblemDetails.Status switch
            {
                401 => ApiKeyAuthenticationHandler.RefusalOf(context.HttpContext)
                    ?? "Authentication required: sign in, or send Authorization: Bearer <api key or agent token>.",
                403 => "Your role does not allow this action; ask an administrator for the right role or key.",
                404 => "There is nothing at this address; see /api/docs for the routes.",
                405 => "This route does not accept that HTTP method; see /api/docs.",
                _ => null,
            };
            Problems.AddOriginalKeys(context.ProblemDetails);
        });
        services.AddExceptionHandler<DatabaseUnavailableHandler>();
        services.AddExceptionHandler<RefusalExceptionHandler>();
        services.AddOpenApi("v1", o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "OpsConsole orchestration API";
            document.Info.Description = "Tasks, agents, assignments, execution logs, rules, health and status of the OpsConsole orchestration engine. " +
                "Authenticate with `Authorization: Bearer <api key or agent token>`.";
            return Task.CompletedTask;
        }).AddOperationTransformer<ListParameters>().AddOperationTransformer<RequestRecords>().AddSchemaTransformer<ApiSchemas>());
        services.AddHealthChecks().AddCheck<ReadinessCheck>("databases", tags: ["ready"]);
        return services;
    }

    private static IServiceCollection AddOpsUi(this IServiceCollection services)
    {
        // A form's text reaches the server in one circuit message: at SignalR's 32 KB default, a pasted description of 17,000
        // characters or more (POST tasks/ takes 20,000, a rule's JSON 64 KB) was dropped without a word.
        services.AddRazorComponents().AddInteractiveServerComponents().AddHubOptions(o => o.MaximumReceiveMessageSize = 256 * 1024);
        // Open pages re-check their user (demoted, locked, removed) instead of keeping the powers of their sign-in.
        services.AddScoped<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider, ConsoleAuthenticationState>();
        // Messages at the bottom: at the top right they covered the pages' own buttons (New key, Export CSV, a task's actions).
        services.AddMudServices(o =>
        {
            o.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomRight;
            o.SnackbarConfiguration.ShowCloseIcon = true;
        });
        services.AddHttpContextAccessor();
        return services;
    }
}
