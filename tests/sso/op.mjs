// A real OpenID provider for the single sign-on tests: panva's certified `oidc-provider` (a
// devDependency in package.json), started by tests/sso/conftest.py.
//
// Reads its setup as JSON on stdin: {"clients": [...], "accounts": {"login": {claims}}}. Listens on a
// free port of 127.0.0.1 and prints one line, {"issuer": "http://127.0.0.1:PORT"}, once it accepts
// requests. Its login page is the package's development interaction: any password is accepted for a
// login listed in "accounts" (the test users); claims come from that table, groups included.
import http from "node:http";
import Provider from "oidc-provider";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const setup = JSON.parse(Buffer.concat(chunks).toString("utf8"));

const server = http.createServer();
server.listen(0, "127.0.0.1", () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: setup.clients,
    pkce: { required: () => true },
    scopes: ["openid", "email", "profile", "groups", "offline_access"],
    claims: {
      openid: ["sub"],
      email: ["email", "email_verified"],
      profile: ["name"],
      groups: ["groups"],
    },
    async findAccount(ctx, id) {
      const claims = setup.accounts[id];
      if (!claims) return undefined;
      return { accountId: id, async claims() { return { sub: id, ...claims }; } };
    },
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    cookies: { keys: ["cxq-test-provider-cookie-key"] },
    ttl: { Session: 600, Interaction: 600, Grant: 600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
  });
  // Silence the development-only warnings; errors still reach stderr.
  provider.on("server_error", (ctx, err) => console.error("server_error", err));
  server.on("request", provider.callback());
  process.stdout.write(JSON.stringify({ issuer }) + "\n");
});

process.on("SIGTERM", () => server.close(() => process.exit(0)));
