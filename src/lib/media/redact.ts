/**
 * Credentials in camera URLs (rtsp://user:pass@host/…) must never reach a terminal, a log or a JSON
 * document. Everything that prints a URL or relays ffmpeg's own messages (which echo the input URL)
 * goes through these.
 */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi

/** `rtsp://admin:secret@10.0.0.5/live` → `rtsp://***@10.0.0.5/live`. */
export function redactUrl(url: string): string {
  return url.replace(USERINFO, '$1***@')
}

/** Redacts every URL inside free text, e.g. ffmpeg's stderr. */
export function redactText(text: string): string {
  return text.replace(USERINFO, '$1***@')
}

/** Puts user and password into a URL (percent-encoded), for handing to ffmpeg. */
export function withCredentials(url: string, user?: string, password?: string): string {
  if (!user) return url
  const parsed = new URL(url)
  parsed.username = encodeURIComponent(user)
  parsed.password = encodeURIComponent(password ?? '')
  return parsed.toString()
}
