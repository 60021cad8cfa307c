using SocialCrm.Streaming.Domain.Rules;

namespace SocialCrm.Streaming.Domain.Tests;

public sealed class RulesVersionTests
{
    [Fact]
    public void Same_settings_give_the_same_version_whatever_the_order_of_brands()
    {
        var a = new RulesOptions();
        a.Brands["acme"] = new BrandRules { InfluencerFollowers = 5_000 };
        a.Brands["globex"] = new BrandRules { Competitors = ["Initech"] };
        var b = new RulesOptions();
        b.Brands["globex"] = new BrandRules { Competitors = ["Initech"] };
        b.Brands["acme"] = new BrandRules { InfluencerFollowers = 5_000 };

        Assert.Equal(RulesVersion.Of(a), RulesVersion.Of(b));
        Assert.Matches("^[0-9a-f]{12}$", RulesVersion.Of(a));
    }

    [Fact]
    public void Any_changed_setting_changes_the_version()
    {
        var defaults = RulesVersion.Of(new RulesOptions());
        Assert.Equal(defaults, RulesVersion.Of(new RulesOptions()));
        Assert.NotEqual(defaults, RulesVersion.Of(new RulesOptions { Crisis = new CrisisRules { CooldownMinutes = 241 } }));
        Assert.NotEqual(defaults, RulesVersion.Of(new RulesOptions { Competitors = ["Globex"] }));
        var brand = new RulesOptions();
        brand.Brands["acme"] = new BrandRules();
        Assert.NotEqual(defaults, RulesVersion.Of(brand));
    }
}
