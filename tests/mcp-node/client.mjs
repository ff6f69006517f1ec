// An MCP client that is not ours: the official TypeScript SDK (@modelcontextprotocol/sdk) spawns `interp mcp` over
// stdio, lists the tools and calls three of them (one with a bad argument), and prints what it saw as one JSON line.
// Usage: node client.mjs COMMAND [ARGS...]   e.g. node client.mjs dotnet path/to/interp.dll mcp --model DIR --sae DIR
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const [command, ...args] = process.argv.slice(2);
const transport = new StdioClientTransport({ command, args, stderr: "inherit" });
const client = new Client({ name: "interp-node-test", version: "1.0.0" });
const started = Date.now();
await client.connect(transport);
const { tools } = await client.listTools();
const listedMs = Date.now() - started;
const text = (r) => r.content.filter((c) => c.type === "text").map((c) => c.text).join("");
const tokenize = await client.callTool({ name: "tokenize", arguments: { text: "And God said" } });
const run = await client.callTool({ name: "run_prompt", arguments: { text: "And God said", k: 2 } });
const bad = await client.callTool({ name: "get_activations", arguments: { text: "And God said", hook: "blocks.2.hook_resid_pots" } });
console.log(JSON.stringify({
  tools: tools.map((t) => t.name),
  schemas: Object.fromEntries(tools.map((t) => [t.name, t.inputSchema])),
  listed_ms: listedMs,
  tokenize: JSON.parse(text(tokenize)),
  run_prompt: JSON.parse(text(run)),
  bad: { is_error: bad.isError === true, text: text(bad) },
}));
await client.close();
