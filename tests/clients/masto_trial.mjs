// masto.js (the library of Elk and other clients) against a running Hallway: the calls Mastodon added in 4.x that
// clients now make on every screen (instance about pages, familiar followers, notes, profile, notification policy
// and requests, conversation mutes, edit history with media, every public stream).
//
//   node masto_trial.mjs URL USER PASSWORD USER2 PASSWORD2
//
// Tokens come from the password grant (masto's OAuth client). Each step prints `ok: <step>`; the first failure
// prints `FAIL: <step>: ...` and exits 1.
import { check, finish, step, trialArguments } from './trial.mjs'
import { createOAuthAPIClient, createRestAPIClient, createStreamingAPIClient } from 'masto'

const { url, user, password, user2, password2 } = trialArguments('masto_trial.mjs')

async function signIn(username, secret) {
  const anonymous = createRestAPIClient({ url })
  const app = await anonymous.v1.apps.create({ clientName: 'Hallway masto trial', redirectUris: 'urn:ietf:wg:oauth:2.0:oob', scopes: 'read write follow push' })
  const oauth = createOAuthAPIClient({ url })
  const token = await oauth.token.create({
    grantType: 'password',
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    username,
    password: secret,
    scope: 'read write follow push'
  })
  tokens.set(username, token.accessToken)
  return createRestAPIClient({ url, accessToken: token.accessToken })
}

const tokens = new Map()
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64')
const created = []

try {
  const ann = await step('sign in twice (password grant)', () => signIn(user, password))
  const bob = await signIn(user2, password2)
  const me = await ann.v1.accounts.verifyCredentials()
  const them = await bob.v1.accounts.verifyCredentials()

  await step('instance: v2, rules, extended description, languages, translation languages', async () => {
    const instance = await ann.v2.instance.fetch()
    check(instance.version.includes('Hallway') && Array.isArray(instance.rules), instance.version)
    check(Array.isArray(await ann.v1.instance.rules.list()), 'rules')
    check(typeof (await ann.v1.instance.extendedDescription.fetch()).content === 'string', 'extended description')
    check((await ann.v1.instance.languages.list()).some((l) => l.code === 'en'), 'languages')
    check(typeof (await ann.v1.instance.translationLanguages.list()) === 'object', 'translation languages')
    check(Array.isArray(await ann.v1.instance.peers.list()), 'peers')
  })
  await step('follow, familiar followers, note, endorse', async () => {
    await ann.v1.accounts.$select(them.id).follow()
    await bob.v1.accounts.$select(me.id).follow()
    const familiar = await ann.v1.accounts.familiarFollowers.fetch({ id: [them.id] })
    check(familiar.length === 1 && familiar[0].id === them.id, JSON.stringify(familiar))
    const noted = await ann.v1.accounts.$select(them.id).note.create({ comment: 'Owns the CI' })
    check(noted.note === 'Owns the CI', JSON.stringify(noted))
    check((await ann.v1.accounts.$select(them.id).endorse()).endorsed === true, 'endorsed')
    check((await ann.v1.accounts.$select(them.id).unendorse()).endorsed === false, 'unendorsed')
  })
  await step('several accounts at once', async () => {
    const both = await ann.v1.accounts.fetch({ id: [me.id, them.id] })
    check(both.map((a) => a.id).join() === [me.id, them.id].join(), JSON.stringify(both.map((a) => a.id)))
  })
  await step('profile: fetch and update with an avatar description', async () => {
    const profile = await ann.v1.profile.fetch()
    check(profile.id === me.id && 'hideCollections' in profile, JSON.stringify(profile))
    const updated = await ann.v1.profile.update({ avatar: new Blob([png], { type: 'image/png' }), avatarDescription: 'a blue square' })
    check(updated.avatarDescription === 'a blue square' && updated.avatar, JSON.stringify(updated))
  })
  await step('tags: feature and unfeature', async () => {
    check((await ann.v1.tags.$select('kubernetes').feature()).featuring === true, 'featuring')
    check((await ann.v1.tags.$select('kubernetes').unfeature()).featuring === false, 'not featuring')
  })
  await step('notification policy (v2)', async () => {
    const policy = await ann.v2.notifications.policy.fetch()
    check(policy.forPrivateMentions === 'filter' && policy.summary, JSON.stringify(policy))
    const changed = await ann.v2.notifications.policy.update({ forNotFollowing: 'filter' })
    check(changed.forNotFollowing === 'filter', JSON.stringify(changed))
    await ann.v2.notifications.policy.update({ forNotFollowing: 'accept' })
  })
  // Dismissed rather than accepted: an accepted sender is never filtered again, and the trial must run again.
  await step('a stranger private mention becomes a request, dismissed', async () => {
    await ann.v1.accounts.$select(them.id).unfollow()
    const quiet = await bob.v1.statuses.create({ status: `@${me.username} a quiet word`, visibility: 'direct' })
    created.push([bob, quiet.id])
    const requests = await ann.v1.notifications.requests.list()
    const request = requests.find((r) => r.account.id === them.id)
    check(request && request.lastStatus?.id === quiet.id, JSON.stringify(requests))
    check(!(await ann.v1.notifications.list({ types: ['mention'] })).some((n) => n.status?.id === quiet.id), 'set aside')
    await ann.v1.notifications.requests.$select(request.id).dismiss()
    check(!(await ann.v1.notifications.requests.list()).some((r) => r.account.id === them.id), 'dismissed')
    check((await ann.v1.notifications.requests.merged.fetch()).merged === true, 'merged')
    await ann.v1.accounts.$select(them.id).follow()
  })
  const posted = await step('post with media, edit with another, history shows both', async () => {
    const first = await ann.v2.media.create({ file: new Blob([png], { type: 'image/png' }), description: 'first' })
    const second = await ann.v2.media.create({ file: new Blob([png], { type: 'image/png' }), description: 'second' })
    const status = await ann.v1.statuses.create({ status: 'The plan', mediaIds: [first.id] })
    created.push([ann, status.id])
    await ann.v1.statuses.$select(status.id).update({ status: 'The new plan', mediaIds: [second.id] })
    const history = await ann.v1.statuses.$select(status.id).history.list()
    const descriptions = history.map((version) => version.mediaAttachments.map((m) => m.description).join())
    check(descriptions.join('|') === 'first|second', descriptions.join('|'))
    return status
  })
  await step('mute and unmute a conversation', async () => {
    check((await ann.v1.statuses.$select(posted.id).mute()).muted === true, 'muted')
    check((await ann.v1.statuses.$select(posted.id).unmute()).muted === false, 'unmuted')
  })
  await step('public:local:media stream over WebSocket', async () => {
    const instance = await ann.v2.instance.fetch()
    const streaming = createStreamingAPIClient({ streamingApiUrl: instance.configuration.urls.streaming, accessToken: tokens.get(user), implementation: WebSocket })
    const subscription = streaming.public.local.media.subscribe()
    // masto subscribes when the first event is asked for.
    const first = subscription[Symbol.asyncIterator]().next()
    await new Promise((resolve) => setTimeout(resolve, 500))
    const picture = await ann.v2.media.create({ file: new Blob([png], { type: 'image/png' }), description: 'streamed' })
    const status = await ann.v1.statuses.create({ status: 'a picture for the stream', mediaIds: [picture.id] })
    created.push([ann, status.id])
    const event = await Promise.race([first, new Promise((_, reject) => setTimeout(() => reject(new Error('no event in 5 s')), 5000))])
    check(event.value.event === 'update' && event.value.payload.id === status.id, JSON.stringify(event.value))
    subscription.unsubscribe()
    streaming.close()
  })
  await step('remove from followers', async () => {
    const relationship = await ann.v1.accounts.$select(them.id).removeFromFollowers()
    check(relationship.followedBy === false, JSON.stringify(relationship))
  })
  await step('clean up', async () => {
    for (const [client, id] of created) await client.v1.statuses.$select(id).remove()
    await ann.v1.accounts.$select(them.id).unfollow()
    await ann.v1.profile.avatar.remove()
  })
  finish()
} catch (error) {
  finish(error, error?.statusCode ?? '')
}
