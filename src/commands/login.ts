import {Args, Flags} from '@oclif/core'

import {RtccCommand} from '../lib/output/base-command.js'
import {usageError} from '../lib/errors.js'
import {readSecret} from '../lib/output/secret-input.js'

export default class Login extends RtccCommand<typeof Login> {
  static override summary = 'Log in to an rtcc server, pinning its certificate.'
  static override description =
    'Shows the server certificate fingerprint and asks you to trust it (trust on first use); a later change of certificate is refused. Scripts pass --fingerprint and --password-stdin.\n\nThe URL may omit https:// (127.0.0.1:8443); the server speaks HTTPS only. Logging in with --profile NAME saves that profile but keeps the current one current (so a second server never takes over your other commands by surprise): pass --use to switch, or the first profile you log in to becomes current.'
  static override examples = [
    '<%= config.bin %> login https://rtcc.example.org:8443',
    'printf %s "$PW" | <%= config.bin %> login https://127.0.0.1:8443 --user ana --password-stdin --fingerprint AB:CD:…',
    '<%= config.bin %> login https://127.0.0.1:8443 --profile county --user ana --use',
  ]
  static override args = {url: Args.string({description: 'Server URL, e.g. https://127.0.0.1:8443 or 127.0.0.1:8443', required: true})}
  static override flags = {
    user: Flags.string({char: 'u', description: 'User name.'}),
    'password-stdin': Flags.boolean({description: 'Read the password from stdin (as docker login does).'}),
    fingerprint: Flags.string({description: 'Expected certificate SHA-256 fingerprint (pins without asking).'}),
    otp: Flags.string({description: 'One-time code from your authenticator app (asked for when needed on a TTY).'}),
    use: Flags.boolean({description: 'Make the --profile you log in to the current profile.'}),
  }

  async run() {
    const {login} = await import('../lib/client/login.js')
    const prompts = this.interactive() ? await import('@inquirer/prompts') : undefined
    let username = this.flags.user
    if (!username) {
      if (!prompts) throw usageError('no user name given', 'Pass --user NAME.')
      username = await prompts.input({message: 'User name:'})
    }
    const password = await readSecret({stdin: this.flags['password-stdin'], prompt: `Password for ${username}:`, flagHint: '--password-stdin'})
    const result = await login({
      url: this.args.url,
      profile: this.flags.profile,
      username,
      password,
      fingerprint: this.flags.fingerprint,
      confirmTrust: prompts
        ? (fp) => prompts.confirm({message: `The server presents certificate SHA-256\n  ${fp}\nCompare it with the one the server printed at start. Trust it?`, default: false})
        : undefined,
      otp: async () => this.flags.otp ?? (prompts ? prompts.input({message: 'One-time code:'}) : undefined),
      use: this.flags.use,
    })
    if (result.newlyTrusted) this.note(`trusted certificate ${result.fingerprint}`)
    this.out(`logged in to ${result.server} as ${result.user.username} (${result.user.role}); profile "${result.profile}"`)
    if (result.currentProfile !== result.profile)
      this.note(`the current profile stays "${result.currentProfile}": pass --profile ${result.profile} to use this one, or log in again with --use to switch`)
    if (result.mfaEnrollmentRequired) this.note('your admin requires a second factor: run `rtcc user mfa enroll` now (nothing else works until you do)')
    return result
  }
}
