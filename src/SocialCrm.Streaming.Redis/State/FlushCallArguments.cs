using System.Buffers;
using StackExchange.Redis;

namespace SocialCrm.Streaming.Redis.State;

/// <summary>
/// The KEYS and ARGV of one <see cref="FlushGroupScript"/> call in arrays rented from the shared pools: a call carries
/// up to <see cref="FlushGroupScript.MaxArguments"/> arguments, and new arrays of them were the largest allocation of a
/// flush. Return them once the call has answered or failed.
/// </summary>
internal readonly struct FlushCallArguments
{
    private FlushCallArguments(RedisKey[] keys, int keyCount, RedisValue[] args, int argCount)
    {
        KeyArray = keys;
        KeyCount = keyCount;
        ArgArray = args;
        ArgCount = argCount;
    }

    /// <summary>The rented array; only its first <see cref="KeyCount"/> entries are the call's.</summary>
    public RedisKey[] KeyArray { get; }

    public int KeyCount { get; }

    /// <summary>The rented array; only its first <see cref="ArgCount"/> entries are the call's.</summary>
    public RedisValue[] ArgArray { get; }

    public int ArgCount { get; }

    public ReadOnlyMemory<RedisKey> Keys => KeyArray.AsMemory(0, KeyCount);

    public ReadOnlyMemory<RedisValue> Args => ArgArray.AsMemory(0, ArgCount);

    public static FlushCallArguments Rent(int keyCount, int argCount) =>
        new(ArrayPool<RedisKey>.Shared.Rent(keyCount), keyCount, ArrayPool<RedisValue>.Shared.Rent(argCount), argCount);

    /// <summary>Cleared on return: the pool must not keep the customers' values (and the strings they hold) alive.</summary>
    public void Return()
    {
        ArrayPool<RedisKey>.Shared.Return(KeyArray, clearArray: true);
        ArrayPool<RedisValue>.Shared.Return(ArgArray, clearArray: true);
    }
}
