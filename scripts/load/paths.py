# Request paths for scripts/load-serve.sh, one file per case (test traffic, seeded: every run sends the same requests).
#   feature-one / feature-all / feature-nocache: the toy SAE's feature pages (one page; all 1024 in a shuffled order)
#   search-distinct: a different query text on every request (12,000 > what a 30 s run at 200/s sends), filters varied
#   search-mix: 500 distinct texts drawn Zipf(1.1) — popular queries repeat, as a search box's traffic does
# Usage: python3 scripts/load/paths.py OUT_DIR
import random
import sys
import urllib.parse

out = sys.argv[1]
r = random.Random(14)
ids = list(range(1024))
r.shuffle(ids)


def write(name, lines):
    with open(f"{out}/{name}.txt", "w") as f:
        f.write("".join(line + "\n" for line in lines))


write("feature-one", ["/features/toy/5"])
write("feature-all", [f"/features/toy/{i}" for i in ids])
write("feature-nocache", [f"/features/toy/{i}" for i in ids])

subjects = ["names of people", "numbers", "counting", "colours", "places", "cities", "animals", "farm animals", "weather",
            "rain", "food", "cooking", "days of the week", "months", "verbs in the past tense", "punctuation", "quotes",
            "code", "brackets", "dates", "years", "money", "prices", "music", "sport", "family words", "plural nouns",
            "the word the", "capital letters", "repeated tokens", "end of sentence", "greetings", "questions", "negation"]
mods = ["", "tokens about", "words for", "mentions of", "the start of", "lists of", "phrases with", "text on",
        "something like", "anything about", "names for", "talk of", "descriptions of", "a feature for", "signs of"]


def url(text, k):
    min_score = [0.1, 0.3, 0.5][k % 3]
    top = [5, 10, 20][(k // 3) % 3]
    return f"/api/search?text={urllib.parse.quote(text)}&sae=toy&min_score={min_score}&top={top}"


distinct = [url(f"{mods[(k // len(subjects)) % len(mods)]} {subjects[k % len(subjects)]} {k}".strip(), k) for k in range(12000)]
r.shuffle(distinct)
write("search-distinct", distinct)

pool = [f"{m} {s}".strip() for m in mods for s in subjects][:500]
weights = [1 / (i + 1) ** 1.1 for i in range(len(pool))]
picks = r.choices(range(len(pool)), weights, k=12000)
write("search-mix", [url(pool[i], i) for i in picks])
