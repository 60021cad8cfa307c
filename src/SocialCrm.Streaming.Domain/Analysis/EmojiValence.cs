namespace SocialCrm.Streaming.Domain.Analysis;

/// <summary>
/// A small emoji valence table of our own (same -4..4 scale as the VADER lexicon), for the emoji
/// that customers use most to express feeling. Unknown emoji are neutral.
/// </summary>
public static class EmojiValence
{
    private static readonly Dictionary<int, float> Table = new()
    {
        // faces: positive
        [0x1F600] = 1.9f, [0x1F601] = 2.0f, [0x1F602] = 1.6f, [0x1F603] = 2.0f, [0x1F604] = 2.1f, [0x1F605] = 0.9f,
        [0x1F606] = 1.8f, [0x1F607] = 1.6f, [0x1F609] = 1.2f, [0x1F60A] = 2.2f, [0x1F60B] = 1.8f, [0x1F60C] = 1.3f,
        [0x1F60D] = 2.8f, [0x1F60E] = 1.6f, [0x1F618] = 2.3f, [0x1F617] = 1.4f, [0x1F619] = 1.5f, [0x1F61A] = 1.7f,
        [0x1F642] = 1.4f, [0x1F643] = 0.4f, [0x1F917] = 2.0f, [0x1F929] = 2.6f, [0x1F970] = 2.7f, [0x1F923] = 1.7f,
        [0x1F60F] = 0.3f, [0x263A] = 1.9f, [0x1F638] = 1.8f, [0x1F63A] = 1.8f, [0x1F63B] = 2.5f,
        // hearts, approval, celebration
        [0x2764] = 2.7f, [0x2665] = 2.2f, [0x1F496] = 2.5f, [0x1F495] = 2.3f, [0x1F498] = 2.2f, [0x1F48B] = 1.9f,
        [0x1F497] = 2.3f, [0x1F493] = 2.2f, [0x1F49E] = 2.3f, [0x1F49D] = 2.1f, [0x1F499] = 2.0f, [0x1F49A] = 2.0f,
        [0x1F49B] = 2.0f, [0x1F49C] = 2.0f, [0x1F9E1] = 2.0f, [0x1F90D] = 1.8f, [0x1F5A4] = 1.2f, [0x1F4AF] = 2.0f,
        [0x1F44D] = 1.8f, [0x1F44F] = 1.9f, [0x1F64C] = 2.0f, [0x1F64F] = 1.3f, [0x1F389] = 2.2f, [0x1F38A] = 2.0f,
        [0x1F973] = 2.3f, [0x2728] = 1.0f, [0x2B50] = 1.5f, [0x1F31F] = 1.8f, [0x1F44C] = 1.5f, [0x1F91D] = 1.2f,
        [0x1F4AA] = 1.4f, [0x1F3C6] = 2.0f, [0x2705] = 1.0f, [0x1F525] = 1.0f,
        // faces: negative
        [0x1F610] = -0.3f, [0x1F611] = -0.5f, [0x1F612] = -1.6f, [0x1F613] = -1.2f, [0x1F614] = -1.8f, [0x1F615] = -1.4f,
        [0x1F616] = -2.0f, [0x1F61E] = -2.1f, [0x1F61F] = -1.8f, [0x1F620] = -2.6f, [0x1F621] = -2.9f, [0x1F622] = -2.1f,
        [0x1F623] = -1.8f, [0x1F624] = -1.9f, [0x1F625] = -1.6f, [0x1F626] = -1.5f, [0x1F627] = -1.7f, [0x1F628] = -1.9f,
        [0x1F629] = -2.0f, [0x1F62B] = -2.0f, [0x1F62C] = -0.8f, [0x1F62D] = -2.3f, [0x1F630] = -1.9f, [0x1F631] = -1.8f,
        [0x1F632] = -0.5f, [0x1F641] = -1.6f, [0x2639] = -2.0f, [0x1F644] = -1.4f, [0x1F92C] = -3.2f, [0x1F92E] = -2.8f,
        [0x1F922] = -2.2f, [0x1F637] = -0.8f, [0x1F915] = -1.5f, [0x1F926] = -1.5f, [0x1F63E] = -2.0f, [0x1F63F] = -2.0f,
        [0x1F47F] = -2.2f, [0x1F480] = -1.0f,
        // disapproval
        [0x1F44E] = -1.9f, [0x1F494] = -2.5f, [0x1F4A9] = -1.8f, [0x1F595] = -3.0f, [0x274C] = -1.2f, [0x1F6AB] = -1.2f,
    };

    /// <summary>Valence of one emoji code point; false for code points the table does not know.</summary>
    public static bool TryGetValence(int codePoint, out float valence) => Table.TryGetValue(codePoint, out valence);

    /// <summary>
    /// Whether a code point is an emoji that stands as a token of its own (pictographs and the
    /// symbol/dingbat blocks). Modifiers and joiners are not: they extend the emoji before them.
    /// </summary>
    public static bool IsEmoji(int codePoint) =>
        codePoint is (>= 0x1F000 and <= 0x1FAFF and not (>= 0x1F3FB and <= 0x1F3FF)) or (>= 0x2600 and <= 0x27BF) or 0x2B50 or 0x2B55;

    /// <summary>Zero-width joiner, variation selectors, skin tones: parts of the preceding emoji.</summary>
    public static bool IsEmojiModifier(int codePoint) =>
        codePoint is 0x200D or (>= 0xFE00 and <= 0xFE0F) or (>= 0x1F3FB and <= 0x1F3FF) or 0x20E3;
}
