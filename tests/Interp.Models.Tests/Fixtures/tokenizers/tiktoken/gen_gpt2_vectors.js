// Generates gpt2_vectors.json: text -> ids from the npm package `tiktoken` (OpenAI's Rust tokenizer compiled to WASM).
// Run: cd /tmp && npm install tiktoken && NODE_PATH=/tmp/node_modules node gen_gpt2_vectors.js > gpt2_vectors.json
const { get_encoding } = require("tiktoken");
const enc = get_encoding("gpt2");

const fixed = [
  "The year 2024 had 366 days; 1,000,000 people didn't know, they'd've said 'yes'.",
  "Multiple   spaces\tand\ttabs\n\n\nand newlines\r\nwith CRLF  \n  trailing   ",
  "Contractions: I'm, you're, we've, he'll, she'd, it's, THEY'RE, Don'T, rock'n'roll",
  "Unicode: café naïve Zürich façade résumé — “quotes” … ½ ² ³ × ÷ µ",
  "CJK: 日本語のテキスト 中文文本 한국어 텍스트",
  "Astral letters: 𝐀𝐁𝐂 𝒳𝓎𝓏 𠀀𠀁 and digits 𝟙𝟚𝟛 plus emoji 🤗🚀 👨‍👩‍👧 🇫🇷",
  "Combining: e\u0301 a\u0308 n\u0303 and Arabic: مرحبا بالعالم and Hebrew: שלום",
  "Whitespace kinds: a\u00a0b c\u3000d e\u2028f g\u0085h i\u2009j",
  "code: def f(x):\n    return x**2 + 3*x - 1  # comment\n",
  "numbers 3.14159 0x1F 1e-10 -42 +7 007 123456789012345",
  "URLs https://example.com/path?q=1&r=two#frag and emails a.b@c.org",
  "",
  "   ",
  "\n",
  "a",
  " a",
  "!!!???...",
  "<|endoftext|> is plain text here",
  "x𝐀y abc𠀀def 1𝟙2 𝟙𝟚𝟛𝟜 é𝐀 'x𝐀",
];

// Deterministic pseudo-random strings (mulberry32, seed 12345) mixing the features above.
function mulberry32(a) { return function () { a |= 0; a = a + 0x6D2B79F5 | 0; let t = Math.imul(a ^ a >>> 15, 1 | a);
  t = t + Math.imul(t ^ t >>> 7, 61 | t) ^ t; return ((t ^ t >>> 14) >>> 0) / 4294967296; }; }
const rnd = mulberry32(12345);
const atoms = ["the", " the", "The", " quick", "fox", "'s", "'ll", "'RE", " ", "  ", "   ", "\n", "\n\n", "\t", "\r\n",
  "0", "12", "345", "6789", ".", ",", "!", "?", "...", "-", "(", ")", "\"", "é", "ñ", "ü", "ß", "Ω", "Ж", "日本", "語",
  "한", "🤗", "🚀", "👍🏽", "𝐀", "𠀀", "𝟙", "\u0301", "\u00a0", "\u3000", "—", "½", "x", "y", "Z", "_", "#", "$", "%"];
const random = [];
for (let i = 0; i < 300; i++) {
  let s = ""; const n = 1 + Math.floor(rnd() * 12);
  for (let k = 0; k < n; k++) s += atoms[Math.floor(rnd() * atoms.length)];
  random.push(s);
}
const out = [...fixed, ...random].map(text => ({ text, ids: Array.from(enc.encode(text, [], [])) }));
process.stdout.write("[\n" + out.map(o => JSON.stringify(o)).join(",\n") + "\n]\n");
