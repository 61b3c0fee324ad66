// A real OpenID provider for Hallway's tests: `node provider.mjs PORT CALLBACK_URL`. It prints "listening"
// when it answers. People sign in on its development login page with any password; their groups come from
// the login name: "cat" is in hallway-admins, "dan" in no group, everyone else in hallway-users.
import Provider from 'oidc-provider';

const [port, callback] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

const groupsOf = (login) => {
  if (login === 'dan') return [];
  if (login === 'cat') return ['hallway-users', 'hallway-admins'];
  return ['hallway-users'];
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'hallway',
    client_secret: 'hallway-secret',
    redirect_uris: [callback],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: `employee-${id}`,
          preferred_username: id,
          name: `${id[0].toUpperCase()}${id.slice(1)} from the directory`,
          email: `${id}@corp.example`,
          email_verified: true,
          groups: groupsOf(id),
        };
      },
    };
  },
  claims: {
    openid: ['sub'],
    profile: ['preferred_username', 'name'],
    email: ['email', 'email_verified'],
    groups: ['groups'],
  },
  scopes: ['openid', 'profile', 'email', 'groups'],
  // The ID token carries the claims (not only the userinfo endpoint), as company providers are set up to.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  ttl: { IdToken: Number(process.env.ID_TOKEN_TTL || 3600) },
});
provider.proxy = false;

provider.listen(Number(port), '127.0.0.1', () => console.log('listening'));
