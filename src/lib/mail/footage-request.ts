/**
 * The footage request email an owner receives (and its reminder), as plain text and simple HTML.
 * It names only this owner's cameras, the case, the agency, the time window, how to send footage with
 * the one-time token and how to decline. Nothing about other owners is in it.
 */
export interface FootageRequestMail {
  to: string
  ownerName: string
  requestId: string
  caseId: string
  agency: string
  reason: string
  window: {from: string; to: string}
  cameras: {name: string; distanceMetres: number}[]
  /** The one-time token: answers this request only, until it expires or a reminder replaces it. */
  token: string
  /** The rtcc server owners answer to. */
  serverUrl: string
  expiresAt: string
  reminder: boolean
  /** A page that answers the request with the token, when the server offers one. */
  fulfilUrl?: string
  /** The server's TLS certificate fingerprint (SHA-256, as `rtcc login` shows it): the commands pin it. */
  serverFingerprint?: string
  /** IANA zone to show times in besides UTC (e.g. the agency's), default UTC only. */
  timeZone?: string
}

export interface RenderedMail {
  subject: string
  text: string
  html: string
  headers: Record<string, string>
}

export function renderFootageRequest(mail: FootageRequestMail): RenderedMail {
  const when = formatWindow(mail.window, mail.timeZone)
  const expires = formatTime(mail.expiresAt, mail.timeZone)
  const subject = mail.reminder
    ? `Reminder: footage request for case ${mail.caseId} from ${mail.agency} (expires ${formatTime(mail.expiresAt, undefined)})`
    : `Footage request for case ${mail.caseId} from ${mail.agency}`
  const cameras = mail.cameras.map((c) => `${c.name} (${Math.round(c.distanceMetres)} m from the incident)`)
  const server = mail.serverUrl.replace(/\/+$/, '')
  const connection = `--server ${server}${mail.serverFingerprint ? ` --fingerprint ${mail.serverFingerprint}` : ''}`
  // One camera needs no --camera; several each get theirs, named as listed above.
  const files = mail.cameras.length > 1 ? mail.cameras.map((c) => `--camera ${shellWord(c.name)} RECORDING.mp4`).join(' ') : 'RECORDING.mp4'
  const fulfil = `rtcc request fulfil ${mail.token} ${files} --done ${connection}`
  const finish = `rtcc request fulfil ${mail.token} --done ${connection}`
  const decline = `rtcc request decline ${mail.token} --reason "no footage" ${connection}`
  const howTo = [
    `Replace RECORDING.mp4 with the recorder's file(s)${mail.cameras.length > 1 ? ' for each camera, and leave out a camera with nothing to send' : ''}; several files are fine.`,
    'MP4, MKV, MOV, AVI, MPEG-TS (.ts) and raw H.264/H.265 (.264, .265) exports are accepted as they are.',
    'Without --done you can send more files later the same way; then finish with:',
  ]
  const intro = mail.reminder
    ? `This is a reminder: ${mail.agency} is still hoping for footage for case ${mail.caseId}. The request expires ${expires}.`
    : `${mail.agency} is investigating case ${mail.caseId} and asks whether your cameras recorded anything in this time window:`

  const text = [
    `Hello ${mail.ownerName},`,
    '',
    intro,
    '',
    `  When:    ${when}`,
    `  Reason:  ${mail.reason}`,
    '',
    'Your cameras near the incident:',
    ...cameras.map((c) => `  - ${c}`),
    '',
    'To send footage from that time:',
    ...(mail.fulfilUrl ? [`  open ${mail.fulfilUrl}`, '  or run'] : []),
    `  ${fulfil}`,
    ...howTo,
    `  ${finish}`,
    '',
    'If you have no footage, or prefer not to share it, decline (sharing is voluntary):',
    `  ${decline}`,
    '',
    `The code ${mail.token} works only for this request and only until ${expires}.`,
    'Do not forward this email.',
    ...(mail.serverFingerprint ? [`The server's certificate fingerprint (SHA-256, as \`rtcc login\` shows it) is ${mail.serverFingerprint}; the commands above check it for you.`] : []),
    '',
    `Request ${mail.requestId}`,
    '',
  ].join('\n')

  const html = `<!doctype html>
<html><body style="font-family: sans-serif; line-height: 1.4">
<p>Hello ${esc(mail.ownerName)},</p>
<p>${esc(intro)}</p>
<table>
<tr><th align="left">When</th><td>${esc(when)}</td></tr>
<tr><th align="left">Reason</th><td>${esc(mail.reason)}</td></tr>
</table>
<p>Your cameras near the incident:</p>
<ul>
${cameras.map((c) => `<li>${esc(c)}</li>`).join('\n')}
</ul>
<p>To send footage from that time${mail.fulfilUrl ? `, <a href="${esc(mail.fulfilUrl)}">open the request</a> or run` : ', run'}:</p>
<pre>${esc(fulfil)}</pre>
<p>${howTo.map(esc).join('<br>\n')}</p>
<pre>${esc(finish)}</pre>
<p>If you have no footage, or prefer not to share it, decline (sharing is voluntary):</p>
<pre>${esc(decline)}</pre>
<p>The code <code>${esc(mail.token)}</code> works only for this request and only until ${esc(expires)}. Do not forward this email.</p>
${mail.serverFingerprint ? `<p>The server's certificate fingerprint (SHA-256, as <code>rtcc login</code> shows it) is <code>${esc(mail.serverFingerprint)}</code>; the commands above check it for you.</p>\n` : ''}<p style="color: #666">Request ${esc(mail.requestId)}</p>
</body></html>
`
  return {subject, text, html, headers: {'X-Rtcc-Request': mail.requestId}}
}

/** A camera name as one shell word: bare when plain, in double quotes when that is safe, else in single quotes. */
function shellWord(text: string): string {
  if (/^[\w.,:@+/-]+$/.test(text)) return text
  if (!/["$`\\!]/.test(text)) return `"${text}"`
  return `'${text.replace(/'/g, `'\\''`)}'`
}

/** The five characters that matter in HTML text and double-quoted attributes. */
function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'})[c]!)
}

function formatTime(iso: string, timeZone: string | undefined): string {
  const instant = new Date(iso).toISOString()
  const utc = `${instant.slice(0, 10)} ${instant.slice(11, 16)} UTC`
  if (!timeZone || timeZone === 'UTC') return utc
  const local = new Intl.DateTimeFormat('en-CA', {timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short'}).format(new Date(iso))
  return `${utc} (${local.replace(',', '')})`
}

function formatWindow(window: {from: string; to: string}, timeZone: string | undefined): string {
  return `${formatTime(window.from, timeZone)} to ${formatTime(window.to, timeZone)}`
}
