// A real OpenID Provider for the tests: the `oidc-provider` package (OpenID Certified), on
// 127.0.0.1, configured entirely by the test through a JSON file named on the command line:
//
//   { "port": 0, "issuer_host": "127.0.0.1", "jwks": {"keys": [<private JWKs>]},
//     "clients": [{client_id, client_secret, redirect_uris, post_logout_redirect_uris}],
//     "accounts": {"<id>": {"email": ..., "email_verified": true, "name": ..., "groups": [...]}} }
//
// It listens first, then prints one JSON line {"issuer": ..., "port": ...} so the test knows
// where it is. Sign-in and consent use the package's development interactions (a form that
// takes any account id); PKCE is required for every client. Accounts are read from the file at
// every sign-in, so the test can change them while the provider runs. Claims asked for by scope go into
// the ID token, as Entra ID, Google and Keycloak do.
import { readFileSync } from 'node:fs';
import http from 'node:http';

import Provider from 'oidc-provider';

const settings = JSON.parse(readFileSync(process.argv[2], 'utf8'));

const server = http.createServer();
server.listen(settings.port || 0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://${settings.issuer_host || '127.0.0.1'}:${port}`;
  const provider = new Provider(issuer, {
    clients: settings.clients,
    jwks: settings.jwks,
    cookies: { keys: ['test cookie key, never used outside the test provider'] },
    pkce: { required: () => true },
    conformIdTokenClaims: false,
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'groups'],
    },
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    async findAccount(ctx, id) {
      // read afresh each time, so a test can change someone's groups (or email) meanwhile
      const account = JSON.parse(readFileSync(process.argv[2], 'utf8')).accounts[id];
      if (!account) return undefined;
      return { accountId: id, async claims() { return { sub: id, ...account }; } };
    },
  });
  provider.on('server_error', (ctx, error) => console.error('provider error', error));
  server.on('request', provider.callback());
  console.log(JSON.stringify({ issuer, port }));
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
