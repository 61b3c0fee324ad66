// What the Node trials share: their arguments, and steps that print `ok: <step>` or end the trial at the first
// failure with `FAIL: <step>: ...`.

/** URL USER PASSWORD USER2 PASSWORD2 from the command line, or the usage and exit 2. */
export function trialArguments(script) {
  const [url, user, password, user2, password2] = process.argv.slice(2)
  if (!password2) {
    console.error(`usage: node ${script} URL USER PASSWORD USER2 PASSWORD2`)
    process.exit(2)
  }
  return { url, user, password, user2, password2 }
}

let current = 'start'

export async function step(name, work) {
  current = name
  const result = await work()
  console.log(`ok: ${name}`)
  return result
}

export function check(condition, what) {
  if (!condition) throw new Error(what)
}

/** Ends the trial: `ALL OK`, or the failing step with what the server answered. */
export function finish(error, answered = '') {
  if (!error) {
    console.log('ALL OK')
    process.exit(0)
  }
  console.log(`FAIL: ${current}: ${answered} ${error?.stack ?? error}`)
  process.exit(1)
}
