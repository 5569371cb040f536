// The peer of the side-by-side harness (go run ./bench): an mcp-use server with its WorkOS
// provider and one minimal tool, the same shape as the example server's greet (one string
// argument, one text result). The harness writes this file beside the node_modules that hold
// mcp-use (pinned in .ci/package.json) and runs it with Node 22.
//
// Environment: PEER_PORT (the port to listen on, 127.0.0.1), PEER_AUTHKIT (the fake AuthKit's
// origin, http://127.0.0.1:N: mcp-use accepts plain http for loopback hosts, so no TLS is needed).
import { MCPServer } from "mcp-use";
import { oauthWorkOSProvider } from "mcp-use/oauth/workos";
import { z } from "zod";

const port = Number(process.env.PEER_PORT);
const resource = `http://127.0.0.1:${port}/mcp`;

const server = new MCPServer({
  name: "bench-peer",
  version: "1.0.0",
  host: "127.0.0.1",
  // Per-request log lines would be console I/O none of the Go targets pays.
  logging: { enabled: false },
  oauth: oauthWorkOSProvider({ subdomain: process.env.PEER_AUTHKIT, resource }),
});

server.tool(
  {
    name: "greet",
    description: "Greet the signed-in person.",
    inputSchema: z.object({ name: z.string().optional().describe("how to address the person") }),
    annotations: { readOnlyHint: true },
  },
  async ({ name }, ctx) => ({
    content: [{ type: "text", text: `Hello, ${name ?? ctx.auth.user.id}!` }],
  }),
);

const { port: bound } = await server.listen(port, { host: "127.0.0.1" });
console.log(`peer listening on ${bound}`);

// A normal exit on the harness's SIGINT, so that Node's exit hooks run (--cpu-prof writes its
// profile then).
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(0));
