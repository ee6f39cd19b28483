/**
 * Credentials in camera URLs (rtsp://user:pass@host/…) must never reach a terminal, a log or a JSON
 * document. Everything that prints a URL or relays ffmpeg's own messages (which echo the input URL)
 * goes through these.
 *
 * Passwords are typed by people and often not percent-encoded, so they may hold `@`, `:`, `/`, `?`
 * or `#`. The user part therefore runs to the LAST `@` that is followed by something shaped like a
 * host (and a port), then `/`, `?`, `#` or the end: `rtsp://admin:Pass@33@host/x` hides
 * `admin:Pass@33`, not just `admin:Pass`. When in doubt this hides too much (an `@` in a query
 * string), never too little.
 */
const SCHEME = /\b[a-z][a-z0-9+.-]*:\/\//gi
const HOST_AFTER_AT = /@(?=(?:\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::\d*)?(?:[/?#\s:,;'")\]]|$))/gi

/** Where the user part of the URL starting at `from` (just after `scheme://`) ends: its last `@`. */
function userinfoEnd(text: string, from: number, to: number): number {
  let end = -1
  HOST_AFTER_AT.lastIndex = from
  for (let m = HOST_AFTER_AT.exec(text); m && m.index < to; m = HOST_AFTER_AT.exec(text)) end = m.index
  return end
}

/** Replaces the user part of every `scheme://…` in `text`, each URL running at most to `limit(start)`. */
function redact(text: string, limit: (start: number) => number): string {
  let out = ''
  let copied = 0
  for (const match of text.matchAll(SCHEME)) {
    const start = match.index + match[0].length
    if (start < copied) continue
    const at = userinfoEnd(text, start, limit(start))
    if (at < 0) continue
    out += text.slice(copied, start) + '***'
    copied = at
  }
  return out + text.slice(copied)
}

/** `rtsp://admin:secret@10.0.0.5/live` → `rtsp://***@10.0.0.5/live`. The whole string is one URL (spaces too). */
export function redactUrl(url: string): string {
  return redact(url, () => url.length)
}

/**
 * Redacts every URL inside free text, e.g. ffmpeg's stderr: a URL ends at whitespace or the next
 * `scheme://`. `source`, when given, is the URL the tool was handed: its user part is removed
 * wherever it appears verbatim, even where a space in it would defeat the pattern.
 */
export function redactText(text: string, source?: string): string {
  const secret = source ? userinfo(source) : undefined
  const known = secret ? text.split(secret).join('***') : text
  return redact(known, (start) => {
    const rest = known.slice(start)
    const stop = rest.search(/\s|\b[a-z][a-z0-9+.-]*:\/\//i)
    return stop < 0 ? known.length : start + stop
  })
}

/** The user part of a URL (`admin:Pass@33`), or undefined when it has none. */
function userinfo(url: string): string | undefined {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)
  if (!scheme) return undefined
  const at = userinfoEnd(url, scheme[0].length, url.length)
  return at > scheme[0].length ? url.slice(scheme[0].length, at) : undefined
}

/** Puts user and password into a URL (percent-encoded), for handing to ffmpeg. */
export function withCredentials(url: string, user?: string, password?: string): string {
  if (!user) return url
  const parsed = new URL(url)
  parsed.username = encodeURIComponent(user)
  parsed.password = encodeURIComponent(password ?? '')
  return parsed.toString()
}
