import {Flags} from '@oclif/core'

import {RtccCommand} from '../../../lib/output/base-command.js'
import {usageError} from '../../../lib/errors.js'

export default class UserMfaEnroll extends RtccCommand<typeof UserMfaEnroll> {
  static override summary = 'Set up a TOTP second factor for your account.'
  static override description =
    'Shows an otpauth:// URI and a QR code for your authenticator app, then asks for the first code to confirm. Scripts: run once to get the URI (--json), then again with --code.'
  static override examples = ['<%= config.bin %> user mfa enroll', '<%= config.bin %> user mfa enroll --code 123456']
  static override flags = {code: Flags.string({description: 'Confirm a pending enrolment with this 6-digit code.'})}

  async run() {
    const api = await this.api()
    if (this.flags.code) return {...(await api.post<{mfaEnabled: boolean}>('/v1/auth/mfa/confirm', {otp: this.flags.code})), confirmed: true}
    const {secret, uri} = await api.post<{secret: string; uri: string}>('/v1/auth/mfa/enroll')
    if (!this.interactive()) {
      this.out(`${uri}\nconfirm with: rtcc user mfa enroll --code CODE`)
      return {secret, uri, confirmed: false}
    }
    const {renderQr} = await import('../../../lib/output/qr.js')
    this.out(`Scan this with your authenticator app (or enter the secret ${secret}):\n${await renderQr(uri)}`)
    const {input} = await import('@inquirer/prompts')
    const code = await input({message: 'First 6-digit code:'})
    if (!/^\d{6}$/.test(code)) throw usageError('expected a 6-digit code')
    await api.post('/v1/auth/mfa/confirm', {otp: code})
    this.out('second factor enabled: future logins ask for a code')
    return {secret, uri, confirmed: true}
  }
}
