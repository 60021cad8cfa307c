using Microsoft.Extensions.Configuration;
using SocialCrm.Streaming.Domain.Rules;

namespace SocialCrm.Streaming.Host.Configuration;

/// <summary>Binds the "Rules" section (defaults in appsettings.json, per-brand overrides) and validates it: a name that binds to nothing is refused too.</summary>
public static class RulesConfiguration
{
    public const string Section = "Rules";

    public static RulesOptions Bind(IConfiguration configuration)
    {
        var rules = new RulesOptions();
        try
        {
            configuration.GetSection(Section).Bind(rules);
        }
        catch (InvalidOperationException ex)
        {
            throw new ConfigurationException([ex.Message + (ex.InnerException is { } inner ? " " + inner.Message : "")]);
        }
        var errors = UnknownSettings.In(configuration, Section, typeof(RulesOptions)).Concat(RulesValidator.Validate(rules)).ToList();
        if (errors.Count > 0)
        {
            throw new ConfigurationException(errors);
        }
        return rules;
    }
}
