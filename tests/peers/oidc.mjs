// An OpenID-certified authorization server (oidc-provider) for the sign-in tests: one native
// (public, PKCE-required) client whose loopback redirect may use any port (RFC 8252 §7.3).
// Usage: node oidc.mjs PORT
import Provider from 'oidc-provider';

const port = Number(process.argv[2] || 4900);
const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'libreollama-native',
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/'],
    },
  ],
  pkce: { required: () => true },
  scopes: ['openid', 'offline_access', 'email', 'profile'],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'picture'] },
  features: { revocation: { enabled: true }, devInteractions: { enabled: true } },
  ttl: { AccessToken: 3600, AuthorizationCode: 60, RefreshToken: 86400, Interaction: 600, Session: 600, Grant: 600 },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: `${id}@example.org`, email_verified: true, name: `Test ${id}`, picture: 'https://example.org/p.png' };
      },
    };
  },
});
provider.listen(port, '127.0.0.1', () => console.log(`oidc-provider ready on ${issuer}`));
