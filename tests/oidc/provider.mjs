// A real OpenID provider for Hallway's tests: `node provider.mjs PORT CALLBACK_URL [TAMPER]`. It prints
// "listening" when it answers. People sign in on its development login page with any password; their groups
// come from the login name: "cat" is in hallway-admins, "dan" in no group, everyone else in hallway-users.
// TAMPER makes the token endpoint hand out a bad ID token, as an attacker between the two would:
// "signature" changes the subject without signing again, "expired" signs one that expired an hour ago.
import Provider from 'oidc-provider';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT } from 'jose';

const [port, callback, tamper] = process.argv.slice(2);
const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const signingKey = { ...(await exportJWK(privateKey)), kid: 'test-signing-key', use: 'sig', alg: 'RS256' };
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
  jwks: { keys: [signingKey] },
  ttl: { IdToken: Number(process.env.ID_TOKEN_TTL || 3600) },
});
provider.proxy = false;

async function tampered(idToken) {
  const [header, , signature] = idToken.split('.');
  const claims = decodeJwt(idToken);
  if (tamper === 'signature') {
    claims.sub = 'employee-root';
    return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
  }
  claims.iat -= 7200;
  claims.exp = claims.iat + 3600;
  return new SignJWT(claims).setProtectedHeader(decodeProtectedHeader(idToken)).sign(privateKey);
}

if (tamper) {
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/token' && ctx.body && ctx.body.id_token) {
      ctx.body = { ...ctx.body, id_token: await tampered(ctx.body.id_token) };
    }
  });
}

provider.listen(Number(port), '127.0.0.1', () => console.log('listening'));
