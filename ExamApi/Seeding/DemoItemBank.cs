using System.Globalization;
using ExamStore.Data;

namespace ExamApi.Seeding;

/// <summary>
/// A generated demo item bank: 110 items in each of math, science and english, five topics per subject, four options
/// with one correct. IRT parameters follow typical calibrated banks: a ~ lognormal(0, 0.3) clamped to [0.5, 2.5],
/// b ~ N(0, 1) clamped to [−3, 3], c ~ U(0, 0.25). Deterministic for a seed, so every Development database gets the
/// same bank. Where the question is computed (arithmetic, physics), harder items (higher b) get harder numbers.
/// </summary>
internal static class DemoItemBank
{
    /// <summary>Items per subject.</summary>
    public const int ItemsPerSubject = 110;

    /// <summary>The seed of the shipped demo bank.</summary>
    public const int DefaultSeed = 20_260_401;

    private static readonly string[] Fillers = ["None of these", "Cannot be determined", "All of these"];

    private delegate (string Question, string Answer, string[] Distractors) QuestionWriter(Random random, double difficulty, int ordinal);

    private static readonly (string Subject, (string Topic, QuestionWriter Write)[] Topics)[] Subjects =
    [
        ("math", [("arithmetic", Arithmetic), ("fractions", Fractions), ("percentages", Percentages), ("algebra", Algebra), ("geometry", Geometry)]),
        ("science", [("physics", Physics), ("chemistry", Chemistry), ("biology", Biology), ("earth science", EarthScience), ("units", Units)]),
        ("english", [("vocabulary", Synonyms), ("antonyms", Antonyms), ("grammar", PastTense), ("spelling", Spelling), ("plurals", Plurals)]),
    ];

    /// <summary>The subjects of the demo bank.</summary>
    public static IReadOnlyList<string> SubjectNames { get; } = Subjects.Select(s => s.Subject).ToArray();

    /// <summary>Generates the bank (items without ids, created at <paramref name="now"/>).</summary>
    public static IReadOnlyList<ItemEntity> Generate(DateTime now, int seed = DefaultSeed)
    {
        var random = new Random(seed);
        var items = new List<ItemEntity>(Subjects.Length * ItemsPerSubject);
        foreach (var (subject, topics) in Subjects)
        {
            for (var k = 0; k < ItemsPerSubject; k++)
            {
                var (topic, write) = topics[k % topics.Length];
                var a = Math.Clamp(Math.Exp(0.3 * Normal(random)), 0.5, 2.5);
                var b = Math.Clamp(Normal(random), -3, 3);
                var c = 0.25 * random.NextDouble();
                var (question, answer, distractors) = write(random, b, k / topics.Length);
                var options = distractors.Where(d => d != answer).Distinct(StringComparer.Ordinal).Take(3).ToList();
                // Generated distractors can coincide with the answer or each other (small numbers); fill up to four.
                foreach (var filler in Fillers)
                {
                    if (options.Count == 3) break;
                    options.Add(filler);
                }
                var answerKey = random.Next(options.Count + 1);
                options.Insert(answerKey, answer);
                items.Add(new ItemEntity
                {
                    Subject = subject,
                    Topic = topic,
                    Content = question,
                    Options = options,
                    AnswerKey = answerKey,
                    A = Math.Round(a, 3),
                    B = Math.Round(b, 3),
                    C = Math.Round(c, 3),
                    D = 1,
                    Status = ItemStatus.Active,
                    CreatedAt = now,
                    UpdatedAt = now,
                });
            }
        }
        return items;
    }

    // Box–Muller: one standard normal draw.
    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    // Maps difficulty b in [−3, 3] to a magnitude between small and large.
    private static int Scale(double difficulty, int small, int large) =>
        (int)Math.Round(small + (large - small) * (difficulty + 3) / 6);

    private static string N(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string[] Near(Random random, int answer, int spread) =>
        [N(answer + 1 + random.Next(spread)), N(answer - 1 - random.Next(spread)), N(answer + spread + 1 + random.Next(spread)), N(answer * 2 + 1)];

    private static (string, string, string[]) Arithmetic(Random random, double b, int ordinal)
    {
        var top = Scale(b, 10, 999);
        var x = random.Next(2, top);
        var y = random.Next(2, Math.Max(3, b > 0 ? 30 : top));
        return b > 0
            ? ($"What is {x} × {y}?", N(x * y), Near(random, x * y, Math.Max(2, y)))
            : ($"What is {x} + {y}?", N(x + y), Near(random, x + y, 5));
    }

    private static (string, string, string[]) Fractions(Random random, double b, int ordinal)
    {
        var d = random.Next(2, Scale(b, 5, 13));
        var n1 = random.Next(1, d);
        var n2 = random.Next(1, d);
        var sum = n1 + n2;
        return ($"What is {n1}/{d} + {n2}/{d}, in lowest terms?", Fraction(sum, d), [Fraction(sum, 2 * d), Fraction(n1 * n2, d), Fraction(sum + 1, d), Fraction(sum, d + 1)]);
    }

    private static (string, string, string[]) Percentages(Random random, double b, int ordinal)
    {
        int[] easy = [10, 25, 50], hard = [12, 15, 35, 45, 65, 85];
        var percent = b < 0 ? easy[random.Next(easy.Length)] : hard[random.Next(hard.Length)];
        var whole = 20 * random.Next(1, Scale(b, 5, 50));
        var answer = percent * whole / 100.0;
        return ($"What is {percent}% of {whole}?", N(answer), [N(answer + percent), N(whole * 100.0 / percent / 10), N(answer / 2), N(answer * 2)]);
    }

    private static (string, string, string[]) Algebra(Random random, double b, int ordinal)
    {
        var m = random.Next(2, Scale(b, 4, 15));
        var x = random.Next(-Scale(b, 3, 20), Scale(b, 10, 30));
        var c = random.Next(1, 40);
        return ($"Solve for x: {m}x + {c} = {m * x + c}", N(x), [N(x + 1), N(-x == x ? x + 2 : -x), N(x + m), N((m * x + c) / m)]);
    }

    private static (string, string, string[]) Geometry(Random random, double b, int ordinal)
    {
        var w = random.Next(2, Scale(b, 8, 40));
        var h = random.Next(2, Scale(b, 8, 40));
        return (ordinal % 2) switch
        {
            0 => ($"A rectangle is {w} cm by {h} cm. What is its area in cm²?", N(w * h), [N(2 * (w + h)), N(w * h + w), N(w + h), N(w * h - h)]),
            _ => ($"A rectangle is {w} cm by {h} cm. What is its perimeter in cm?", N(2 * (w + h)), [N(w * h), N(w + h), N(2 * w + h), N(2 * (w + h) + 2)]),
        };
    }

    private static (string, string, string[]) Physics(Random random, double b, int ordinal)
    {
        var t = random.Next(2, Scale(b, 5, 12));
        var v = random.Next(3, Scale(b, 10, 60));
        return (ordinal % 2) switch
        {
            0 => ($"A cyclist rides at a constant {v} m/s for {t} s. How many metres does the cyclist cover?", N(v * t), [N(v + t), N(v * t + v), N(v * (t - 1)), N(v * t * 2)]),
            _ => ($"A net force of {v * t} N acts on a {t} kg mass. What is its acceleration in m/s²?", N(v), [N(v * t * t), N(v + t), N(v * 2), N(v + 1)]),
        };
    }

    private static readonly (string Name, string Symbol)[] Elements =
    [
        ("sodium", "Na"), ("potassium", "K"), ("iron", "Fe"), ("gold", "Au"), ("silver", "Ag"), ("lead", "Pb"), ("copper", "Cu"),
        ("tin", "Sn"), ("mercury", "Hg"), ("tungsten", "W"), ("helium", "He"), ("neon", "Ne"), ("calcium", "Ca"), ("chlorine", "Cl"),
        ("magnesium", "Mg"), ("zinc", "Zn"), ("nitrogen", "N"), ("phosphorus", "P"), ("sulfur", "S"), ("carbon", "C"), ("oxygen", "O"),
        ("hydrogen", "H"), ("aluminium", "Al"),
    ];

    private static (string, string, string[]) Chemistry(Random random, double b, int ordinal)
    {
        var (name, symbol) = Elements[ordinal % Elements.Length];
        return ($"What is the chemical symbol of {name}?", symbol, Elements.Where(e => e.Symbol != symbol).OrderBy(_ => random.Next()).Take(3).Select(e => e.Symbol).ToArray());
    }

    private static readonly (string Organ, string Function)[] Organs =
    [
        ("heart", "pumps blood around the body"), ("lungs", "exchange oxygen and carbon dioxide"), ("kidneys", "filter waste from the blood"),
        ("liver", "processes nutrients and breaks down toxins"), ("stomach", "begins the digestion of proteins"), ("small intestine", "absorbs most nutrients from food"),
        ("brain", "coordinates the nervous system"), ("pancreas", "produces insulin"), ("skin", "protects the body and helps regulate temperature"),
        ("large intestine", "absorbs water from undigested food"), ("spleen", "filters old red blood cells"), ("bladder", "stores urine"),
    ];

    private static (string, string, string[]) Biology(Random random, double b, int ordinal)
    {
        var (organ, function) = Organs[ordinal % Organs.Length];
        return ($"Which organ {function}?", organ, Organs.Where(o => o.Organ != organ).OrderBy(_ => random.Next()).Take(3).Select(o => o.Organ).ToArray());
    }

    private static readonly string[] Planets = ["Mercury", "Venus", "Earth", "Mars", "Jupiter", "Saturn", "Uranus", "Neptune"];

    private static (string, string, string[]) EarthScience(Random random, double b, int ordinal)
    {
        var position = ordinal % Planets.Length;
        var ordinalName = (position + 1) switch { 1 => "1st", 2 => "2nd", 3 => "3rd", var n => $"{n}th" };
        return ($"Which planet is {ordinalName} from the Sun?", Planets[position], Planets.Where((_, k) => k != position).OrderBy(_ => random.Next()).Take(3).ToArray());
    }

    private static (string, string, string[]) Units(Random random, double b, int ordinal)
    {
        var value = random.Next(2, Scale(b, 10, 90));
        return (ordinal % 3) switch
        {
            0 => ($"How many metres are {value} km?", N(value * 1000), [N(value * 100), N(value * 10), N(value * 10_000)]),
            1 => ($"How many grams are {value} kg?", N(value * 1000), [N(value * 100), N(value), N(value * 10_000)]),
            _ => ($"How many seconds are {value} minutes?", N(value * 60), [N(value * 100), N(value * 24), N(value * 3600)]),
        };
    }

    private static readonly (string Word, string Synonym, string Antonym)[] Words =
    [
        ("rapid", "quick", "slow"), ("ancient", "old", "modern"), ("generous", "giving", "selfish"), ("fragile", "delicate", "sturdy"),
        ("abundant", "plentiful", "scarce"), ("courageous", "brave", "cowardly"), ("candid", "frank", "evasive"), ("diligent", "hard-working", "lazy"),
        ("ambiguous", "unclear", "explicit"), ("benevolent", "kind", "malicious"), ("meticulous", "careful", "careless"), ("tranquil", "calm", "agitated"),
        ("obsolete", "outdated", "current"), ("transparent", "clear", "opaque"), ("reluctant", "unwilling", "eager"), ("vast", "huge", "tiny"),
        ("frugal", "thrifty", "wasteful"), ("hostile", "unfriendly", "welcoming"), ("lucid", "clear-headed", "confused"), ("prudent", "wise", "reckless"),
        ("elated", "overjoyed", "miserable"), ("ephemeral", "short-lived", "lasting"),
    ];

    private static (string, string, string[]) Synonyms(Random random, double b, int ordinal)
    {
        var (word, synonym, antonym) = Words[ordinal % Words.Length];
        return ($"Which word is closest in meaning to \"{word}\"?", synonym, [antonym, .. Words.Where(w => w.Word != word).OrderBy(_ => random.Next()).Take(2).Select(w => w.Synonym)]);
    }

    private static (string, string, string[]) Antonyms(Random random, double b, int ordinal)
    {
        var (word, synonym, antonym) = Words[(ordinal + 11) % Words.Length];
        return ($"Which word is opposite in meaning to \"{word}\"?", antonym, [synonym, .. Words.Where(w => w.Word != word).OrderBy(_ => random.Next()).Take(2).Select(w => w.Antonym)]);
    }

    private static readonly (string Verb, string Past, string Wrong)[] Verbs =
    [
        ("go", "went", "goed"), ("buy", "bought", "buyed"), ("teach", "taught", "teached"), ("swim", "swam", "swimmed"), ("write", "wrote", "writed"),
        ("bring", "brought", "bringed"), ("catch", "caught", "catched"), ("fly", "flew", "flied"), ("choose", "chose", "choosed"), ("freeze", "froze", "freezed"),
        ("seek", "sought", "seeked"), ("weave", "wove", "weaved up"), ("forbid", "forbade", "forbidded"), ("begin", "began", "beginned"), ("drink", "drank", "drinked"),
        ("sing", "sang", "singed"), ("think", "thought", "thinked"), ("lead", "led", "leaded"), ("bite", "bit", "bited"), ("tear", "tore", "teared"),
        ("shake", "shook", "shaked"), ("steal", "stole", "stealed"),
    ];

    private static (string, string, string[]) PastTense(Random random, double b, int ordinal)
    {
        var (verb, past, wrong) = Verbs[ordinal % Verbs.Length];
        return ($"Choose the correct simple past form: \"Yesterday she ___ (to {verb}).\"", past, [wrong, verb + "s", verb + "ing"]);
    }

    private static readonly (string Right, string[] Wrong)[] Spellings =
    [
        ("necessary", ["neccessary", "necesary", "neccesary"]), ("separate", ["seperate", "separete", "seprate"]), ("definitely", ["definately", "definitly", "defenitely"]),
        ("accommodate", ["accomodate", "acommodate", "accommadate"]), ("occurrence", ["occurence", "ocurrence", "occurrance"]), ("rhythm", ["rythm", "rhythym", "rhytm"]),
        ("embarrass", ["embarass", "embarras", "emberrass"]), ("conscience", ["concience", "consience", "conscince"]), ("millennium", ["millenium", "milennium", "millenniun"]),
        ("privilege", ["priviledge", "privelege", "privilige"]), ("receive", ["recieve", "receeve", "recive"]), ("government", ["goverment", "governmant", "govermant"]),
        ("beginning", ["begining", "beggining", "beginnig"]), ("tomorrow", ["tommorow", "tomorow", "tommorrow"]), ("calendar", ["calender", "calandar", "calander"]),
        ("independent", ["independant", "indepedent", "independint"]), ("existence", ["existance", "existense", "exsistence"]), ("guarantee", ["garantee", "guarentee", "guarantie"]),
        ("recommend", ["reccommend", "recomend", "reccomend"]), ("withhold", ["withold", "witthold", "withholde"]), ("questionnaire", ["questionaire", "questionnair", "questionnare"]),
        ("mischievous", ["mischievious", "mischevous", "mischeivous"]),
    ];

    private static (string, string, string[]) Spelling(Random random, double b, int ordinal)
    {
        var (right, wrong) = Spellings[ordinal % Spellings.Length];
        return ("Which word is spelled correctly?", right, wrong);
    }

    private static readonly (string Singular, string Plural, string Wrong)[] Nouns =
    [
        ("child", "children", "childs"), ("mouse", "mice", "mouses"), ("cactus", "cacti", "cactuss"), ("analysis", "analyses", "analysises"),
        ("criterion", "criteria", "criterions"), ("knife", "knives", "knifes"), ("tooth", "teeth", "tooths"), ("phenomenon", "phenomena", "phenomenons"),
        ("goose", "geese", "gooses"), ("crisis", "crises", "crisises"), ("ox", "oxen", "oxes"), ("leaf", "leaves", "leafs"), ("thesis", "theses", "thesises"),
        ("woman", "women", "womans"), ("potato", "potatoes", "potatos"), ("hypothesis", "hypotheses", "hypothesises"), ("foot", "feet", "foots"),
        ("wolf", "wolves", "wolfs"), ("appendix", "appendices", "appendixs"), ("nucleus", "nuclei", "nucleuses"), ("person", "people", "persones"),
        ("medium", "media", "mediums's"),
    ];

    private static (string, string, string[]) Plurals(Random random, double b, int ordinal)
    {
        var (singular, plural, wrong) = Nouns[ordinal % Nouns.Length];
        return ($"What is the plural of \"{singular}\"?", plural, [wrong, singular + "es", singular + "s"]);
    }

    // In lowest terms, so that an equivalent distractor is recognised as the answer and dropped.
    private static string Fraction(int numerator, int denominator)
    {
        var g = Gcd(numerator, denominator);
        return $"{numerator / g}/{denominator / g}";
    }

    private static int Gcd(int x, int y) => y == 0 ? x : Gcd(y, x % y);
}
