using Microsoft.Extensions.Configuration;

namespace SocialCrm.Streaming.Host.Configuration;

/// <summary>Layers appsettings.json, SOCIALCRM__* environment variables and command-line flags (last wins), binds and validates.</summary>
public static class ConfigurationLoader
{
    public const string EnvironmentPrefix = "SOCIALCRM__";

    /// <summary>The settings file used when none is given: appsettings.json beside the executable (optional).</summary>
    public static string DefaultSettingsFile => Path.Combine(AppContext.BaseDirectory, "appsettings.json");

    /// <summary>The layered configuration; its secrets are registered with <see cref="SecretMask"/> so no message quotes them.</summary>
    public static IConfigurationRoot Build(IReadOnlyDictionary<string, string?> flagOverrides, string? settingsFile = null)
    {
        var file = settingsFile ?? DefaultSettingsFile;
        IConfigurationRoot configuration;
        try
        {
            configuration = new ConfigurationBuilder()
                .AddJsonFile(file, optional: settingsFile is null)
                .AddEnvironmentVariables(EnvironmentPrefix)
                .AddInMemoryCollection(flagOverrides.Where(f => f.Value is not null))
                .Build();
        }
        catch (InvalidDataException ex)
        {
            // The provider says only that the file failed to load; the JSON reader beneath it says where and why.
            throw new ConfigurationException([$"settings file {file} is not a JSON object of settings: {ex.GetBaseException().Message}"]);
        }
        SecretMask.Register(configuration);
        return configuration;
    }

    /// <summary>Binds and validates; throws <see cref="ConfigurationException"/> naming every bad setting.</summary>
    public static SocialCrmOptions Bind(IConfiguration configuration)
    {
        if (Durations.Normalize(configuration, typeof(SocialCrmOptions)) is { Count: > 0 } durationErrors)
        {
            throw new ConfigurationException(durationErrors);
        }
        var options = new SocialCrmOptions();
        try
        {
            configuration.Bind(options, binder => binder.ErrorOnUnknownConfiguration = false);
        }
        catch (InvalidOperationException ex)
        {
            // The binder's message names the path and the expected type, e.g. "at 'Kafka:CommitBatchSize' to type 'System.Int32'".
            throw new ConfigurationException([ex.Message + (ex.InnerException is { } inner ? " " + inner.Message : "")]);
        }
        var errors = UnknownSettings.Find(configuration).Concat(OptionsValidator.Validate(options)).ToList();
        if (errors.Count > 0)
        {
            throw new ConfigurationException(errors);
        }
        return options;
    }
}
