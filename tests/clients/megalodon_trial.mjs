// A user's day with megalodon (the library of Whalebird and other clients) against a running Hallway.
//
//   node megalodon_trial.mjs URL USER PASSWORD USER2 PASSWORD2
//
// USER and USER2 sign in as a new user of a desktop client would: megalodon registers an app, the user opens the
// authorization URL and signs in on the page (here with fetch and the page's own form), and megalodon trades the
// code for a token. Each step prints `ok: <step>`; the first failure prints `FAIL: <step>: ...` and exits 1.
import { check, finish, step, trialArguments } from './trial.mjs'
import generator, { detector } from 'megalodon'

const { url: base, user, password, user2, password2 } = trialArguments('megalodon_trial.mjs')

/** The sign-in page's form, filled and submitted with a cookie jar of one cookie; answers the code shown. */
async function signInOnThePage(authorizeUrl, login, secret) {
  const page = await fetch(authorizeUrl)
  check(page.ok, `the sign-in page answered ${page.status}`)
  const cookie = (page.headers.get('set-cookie') || '').split(';')[0]
  const html = await page.text()
  const form = html.slice(html.indexOf('<form method="post" action="/oauth/authorize">'))
  const fields = new URLSearchParams()
  for (const match of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields.append(match[1], match[2].replaceAll('&amp;', '&').replaceAll('&quot;', '"'))
  }
  fields.append('login', login)
  fields.append('password', secret)
  fields.append('decision', 'approve')
  const answer = await fetch(new URL('/oauth/authorize', base), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: fields,
    redirect: 'manual'
  })
  const shown = await answer.text()
  const code = shown.match(/<code class="authcode"[^>]*>([^<]+)<\/code>/)
  check(code, `no authorization code on the page (${answer.status}): ${shown.slice(0, 300)}`)
  return code[1].trim()
}

async function signIn(login, secret) {
  const client = generator('mastodon', base)
  const app = await client.registerApp('Hallway megalodon trial', { scopes: ['read', 'write', 'follow', 'push'] })
  check(app.client_id && app.client_secret && app.url, `registerApp: ${JSON.stringify(app)}`)
  const code = await signInOnThePage(app.url, login, secret)
  const token = await client.fetchAccessToken(app.client_id, app.client_secret, code, app.redirect_uri)
  check(token.access_token, `no access token: ${JSON.stringify(token)}`)
  return generator('mastodon', base, token.access_token)
}

const tinyPng = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64')

async function waitFor(what, probe, seconds = 10) {
  const until = Date.now() + seconds * 1000
  while (Date.now() < until) {
    const found = await probe()
    if (found) return found
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`timed out waiting for ${what}`)
}

try {
  await step('detector says mastodon', async () => {
    const sns = await detector(base)
    check(sns === 'mastodon', `detector: ${sns}`)
  })
  const ann = await step('sign in (app, authorization page, token)', () => signIn(user, password))
  const bob = await step('second user signs in', () => signIn(user2, password2))
  const me = await step('verifyAccountCredentials', async () => {
    const res = await ann.verifyAccountCredentials()
    check(res.data.username && res.data.source, JSON.stringify(res.data))
    return res.data
  })
  const them = (await bob.verifyAccountCredentials()).data
  await step('getInstance, peers, activity', async () => {
    const instance = (await ann.getInstance()).data
    check(instance.version.includes('compatible; Hallway'), instance.version)
    check(Array.isArray((await ann.getInstancePeers()).data), 'peers')
    check((await ann.getInstanceActivity()).data.length === 12, 'activity weeks')
  })
  await step('follow and relationship', async () => {
    await ann.followAccount(them.id)
    const rel = (await ann.getRelationship(them.id)).data
    check(rel.following === true, JSON.stringify(rel))
    await bob.followAccount(me.id)
  })
  await step('private note on an account', async () => {
    const rel = (await ann.setAccountNote(them.id, 'Knows the release process')).data
    check(rel.note === 'Knows the release process', JSON.stringify(rel))
  })
  const picture = await step('uploadMedia with a description', async () => {
    // In Node, megalodon's form-data sends a Buffer as `application/octet-stream` without a file name.
    const media = (await ann.uploadMedia(tinyPng, { description: 'a tiny picture' })).data
    check(media.id && media.type === 'image', JSON.stringify(media))
    return media
  })
  let stream
  const streamed = []
  await step('user stream opens', async () => {
    stream = await bob.userStreaming()
    stream.on('update', (status) => streamed.push(status))
    await new Promise((resolve, reject) => {
      stream.on('connect', resolve)
      stream.on('error', reject)
      setTimeout(() => reject(new Error('the stream did not connect within 5 s')), 5000)
    })
  })
  const posted = await step('postStatus with media and a hashtag', async () => {
    const status = (await ann.postStatus('Morning #standup notes, see the picture', { media_ids: [picture.id] })).data
    check(status.media_attachments.length === 1, JSON.stringify(status))
    return status
  })
  await step('the post arrives on the user stream', () => waitFor('the update', async () => streamed.find((s) => s.id === posted.id)))
  await step('getHomeTimeline (second user)', async () => {
    const home = (await bob.getHomeTimeline({ limit: 20 })).data
    check(home.some((s) => s.id === posted.id), 'the post in the home timeline')
  })
  await step('favourite, reblog, bookmark', async () => {
    check((await bob.favouriteStatus(posted.id)).data.favourited === true, 'favourited')
    check((await bob.reblogStatus(posted.id)).data.reblog !== null, 'reblogged')
    check((await bob.bookmarkStatus(posted.id)).data.bookmarked === true, 'bookmarked')
    check((await bob.getBookmarks()).data.some((s) => s.id === posted.id), 'in bookmarks')
  })
  const reply = await step('reply with a mention', async () => {
    const status = (await bob.postStatus(`@${me.username} what time?`, { in_reply_to_id: posted.id })).data
    check(status.in_reply_to_id === posted.id, JSON.stringify(status))
    return status
  })
  await step('getStatusContext', async () => {
    const context = (await ann.getStatusContext(posted.id)).data
    check(context.descendants.some((s) => s.id === reply.id), JSON.stringify(context))
  })
  await step('getNotifications (mention, favourite, reblog, follow)', async () => {
    const types = new Set((await ann.getNotifications({ limit: 30 })).data.map((n) => n.type))
    for (const type of ['mention', 'favourite', 'reblog', 'follow']) check(types.has(type), `${type} in ${[...types]}`)
  })
  await step('muteStatus silences the conversation', async () => {
    check((await ann.muteStatus(posted.id)).data.muted === true, 'muted')
    const before = (await ann.getNotifications({ limit: 30 })).data.length
    await bob.postStatus(`@${me.username} still there?`, { in_reply_to_id: reply.id })
    await new Promise((resolve) => setTimeout(resolve, 300))
    check((await ann.getNotifications({ limit: 30 })).data.length === before, 'no notification from a muted conversation')
    check((await ann.unmuteStatus(posted.id)).data.muted === false, 'unmuted')
  })
  await step('editStatus', async () => {
    const edited = (await ann.editStatus(posted.id, { status: 'Morning #standup notes (edited)' })).data
    check(edited.edited_at, JSON.stringify(edited))
  })
  await step('poll and vote', async () => {
    const status = (await ann.postStatus('Lunch?', { poll: { options: ['pizza', 'salad'], expires_in: 3600 } })).data
    const voted = (await bob.votePoll(status.poll.id, [1])).data
    check(voted.options[1].votes_count === 1 && voted.voted, JSON.stringify(voted))
  })
  await step('lists', async () => {
    const list = (await ann.createList('Team')).data
    await ann.addAccountsToList(list.id, [them.id])
    check((await ann.getAccountsInList(list.id)).data.some((a) => a.id === them.id), 'member')
    await ann.getListTimeline(list.id)
    await ann.deleteList(list.id)
  })
  await step('search finds the post and the colleague', async () => {
    const found = (await bob.search('standup', { type: 'statuses' })).data
    check(found.statuses.some((s) => s.id === posted.id), JSON.stringify(found))
    const people = (await ann.searchAccount(them.username)).data
    check(people.some((a) => a.id === them.id), 'account search')
  })
  await step('followed tags and markers', async () => {
    check((await ann.followTag('standup')).data.following === true, 'follow tag')
    await ann.saveMarkers({ home: { last_read_id: posted.id } })
    const markers = (await ann.getMarkers(['home'])).data
    check(markers.home && markers.home.last_read_id === posted.id, JSON.stringify(markers))
    await ann.unfollowTag('standup')
  })
  await step('deleteStatus and clean up', async () => {
    stream.stop()
    for (const client of [ann, bob]) {
      const mine = (await client.verifyAccountCredentials()).data
      for (const status of (await client.getAccountStatuses(mine.id, { limit: 40 })).data) await client.deleteStatus(status.id)
    }
    await ann.unfollowAccount(them.id)
    await bob.unfollowAccount(me.id)
  })
  finish()
} catch (error) {
  finish(error, `${error?.response?.status ?? ''} ${error?.response?.data ? JSON.stringify(error.response.data) : ''}`)
}
