import {describe, expect, it} from 'vitest'

import {type FootageRequestMail, renderFootageRequest} from '../../src/lib/mail/footage-request.js'

const BASE: FootageRequestMail = {
  to: 'owner@example.org',
  ownerName: 'Ada',
  requestId: 'req_01abc',
  caseId: 'CASE-7',
  agency: 'Metro PD',
  reason: 'burglary',
  window: {from: '2026-11-28T15:00:00-06:00', to: '2026-11-28T15:20:00-06:00'},
  cameras: [{name: 'Porch', distanceMetres: 12.6}],
  token: 'rtcc_r_tok',
  serverUrl: 'https://rtcc.example:8443',
  expiresAt: '2026-12-05T22:00:00Z',
  reminder: false,
}

describe('footage request email', () => {
  it('shows times in UTC whatever offset they come with, and in a local zone when asked', () => {
    expect(renderFootageRequest(BASE).text).toContain('When:    2026-11-28 21:00 UTC to 2026-11-28 21:20 UTC')
    const local = renderFootageRequest({...BASE, timeZone: 'America/Chicago'}).text
    expect(local).toContain('2026-11-28 21:00 UTC (2026-11-28 15:00 CST) to 2026-11-28 21:20 UTC (2026-11-28 15:20 CST)')
  })

  it('adds the fulfil link and the certificate fingerprint only when given, escaped in HTML', () => {
    const plain = renderFootageRequest(BASE)
    expect(plain.text).not.toContain('open ')
    expect(plain.html).not.toContain('<a ')
    expect(plain.text).not.toContain('fingerprint')
    const linked = renderFootageRequest({...BASE, fulfilUrl: 'https://rtcc.example:8443/fulfil#token=a"b&c', serverFingerprint: 'AA:BB'})
    expect(linked.text).toContain('  open https://rtcc.example:8443/fulfil#token=a"b&c\n  or run\n  rtcc request fulfil rtcc_r_tok')
    expect(linked.html).toContain('<a href="https://rtcc.example:8443/fulfil#token=a&quot;b&amp;c">open the request</a>')
    expect(linked.text).toContain("The server's certificate fingerprint (SHA-256, as `rtcc login` shows it) is AA:BB")
  })

  it('gives copy-paste commands that pin the server certificate, name each camera as listed, and say how to finish', () => {
    const one = renderFootageRequest({...BASE, serverFingerprint: 'AA:BB'}).text
    expect(one).toContain('  rtcc request fulfil rtcc_r_tok RECORDING.mp4 --done --server https://rtcc.example:8443 --fingerprint AA:BB\n')
    expect(one).toContain('  rtcc request fulfil rtcc_r_tok --done --server https://rtcc.example:8443 --fingerprint AA:BB\n')
    expect(one).toContain('  rtcc request decline rtcc_r_tok --reason "no footage" --server https://rtcc.example:8443 --fingerprint AA:BB\n')
    expect(one).toContain('MPEG-TS')
    const two = renderFootageRequest({...BASE, serverFingerprint: 'AA:BB', cameras: [{name: 'Porch', distanceMetres: 5}, {name: 'Back yard', distanceMetres: 9}, {name: "Bob's $HOME", distanceMetres: 9}]}).text
    expect(two).toContain(`rtcc request fulfil rtcc_r_tok --camera Porch RECORDING.mp4 --camera "Back yard" RECORDING.mp4 --camera 'Bob'\\''s $HOME' RECORDING.mp4 --done --server`)
  })

  it('words the reminder as a reminder with the expiry', () => {
    const reminder = renderFootageRequest({...BASE, reminder: true})
    expect(reminder.subject).toBe('Reminder: footage request for case CASE-7 from Metro PD (expires 2026-12-05 22:00 UTC)')
    expect(reminder.text).toContain('This is a reminder: Metro PD is still hoping for footage for case CASE-7. The request expires 2026-12-05 22:00 UTC.')
  })

  it('lists only the cameras it is given, rounded to whole metres', () => {
    const mail = renderFootageRequest({...BASE, cameras: [{name: 'Porch', distanceMetres: 12.6}, {name: 'Garage', distanceMetres: 80.2}]})
    expect(mail.text.match(/^ {2}- .*$/gm)).toEqual(['  - Porch (13 m from the incident)', '  - Garage (80 m from the incident)'])
  })
})
