import {Args, Flags} from '@oclif/core'

import type {SignupResult} from '../../lib/client/registry-owners.js'
import {CONTACT_PREFERENCES} from '../../lib/domain/camera.js'
import {RtccCommand} from '../../lib/output/base-command.js'
import {usageError} from '../../lib/errors.js'
import {readSecret} from '../../lib/output/secret-input.js'

export default class OwnerSignup extends RtccCommand<typeof OwnerSignup> {
  static override summary = 'Create a camera-owner account and profile, then log in as it.'
  static override description =
    'On a terminal it asks for what the flags leave out. Scripts pass every flag, the password on stdin or in a file, and --fingerprint (the server certificate, as `rtcc server start` prints it).'
  static override examples = [
    '<%= config.bin %> owner signup https://rtcc.example.org:8443',
    'printf %s "$PW" | <%= config.bin %> owner signup https://127.0.0.1:8443 --user corner-shop --name "Mo Patel" --organisation "Corner Shop" --email mo@example.org --phone "+1 312 555 0100" --password-stdin --fingerprint AB:CD:… --json',
  ]
  static override args = {url: Args.string({description: 'Server URL (default: --server, or the current profile’s server).'})}
  static override flags = {
    user: Flags.string({char: 'u', description: 'User name for the new account.'}),
    name: Flags.string({description: 'Your name as the agency should address you.'}),
    organisation: Flags.string({description: 'Business or organisation (optional).'}),
    email: Flags.string({description: 'Contact email.'}),
    phone: Flags.string({description: 'Contact phone (optional).'}),
    address: Flags.string({description: 'Postal address (optional).'}),
    contact: Flags.string({description: 'How you prefer to be contacted.', options: [...CONTACT_PREFERENCES], default: 'email'}),
    'password-stdin': Flags.boolean({description: 'Read the password from stdin.'}),
    'password-file': Flags.string({description: 'Read the password from this file.', exclusive: ['password-stdin']}),
    fingerprint: Flags.string({description: 'Expected certificate SHA-256 fingerprint (pins without asking).'}),
  }

  async run(): Promise<SignupResult> {
    const [{signupOwner, ownerProfileFromFlags}, {readProfile, profileName}] = await Promise.all([
      import('../../lib/client/registry-owners.js'),
      import('../../lib/client/profiles.js'),
    ])
    const url = this.args.url ?? this.flags.server ?? readProfile(profileName(this.flags.profile))?.server
    if (!url) throw usageError('which server? no URL given', 'Pass the server URL: rtcc owner signup https://HOST:8443')
    const prompts = this.interactive() ? await import('@inquirer/prompts') : undefined
    const ask = async (value: string | undefined, flag: string, message: string, optional = false): Promise<string | undefined> => {
      if (value !== undefined) return value
      if (!prompts) {
        if (optional) return undefined
        throw usageError(`${flag} is required when not on a terminal`, `Pass ${flag}.`)
      }
      const answer = await prompts.input({message: optional ? `${message} (optional):` : `${message}:`, required: !optional})
      return answer.trim() === '' ? undefined : answer
    }
    const username = (await ask(this.flags.user, '--user', 'User name for your account'))!
    const profile = ownerProfileFromFlags({
      name: await ask(this.flags.name, '--name', 'Your name'),
      organisation: await ask(this.flags.organisation, '--organisation', 'Business or organisation', true),
      email: await ask(this.flags.email, '--email', 'Contact email'),
      phone: await ask(this.flags.phone, '--phone', 'Contact phone', true),
      address: await ask(this.flags.address, '--address', 'Postal address', true),
      contact: this.flags.contact,
    })
    const password = await readSecret({
      file: this.flags['password-file'],
      stdin: this.flags['password-stdin'],
      prompt: `Password for ${username}:`,
      confirm: true,
      flagHint: '--password-stdin or --password-file FILE',
    })
    const result = await signupOwner({
      url,
      username,
      password,
      profile,
      configProfile: this.flags.profile,
      fingerprint: this.flags.fingerprint,
      confirmTrust: prompts
        ? (fp) => prompts.confirm({message: `The server presents certificate SHA-256\n  ${fp}\nCompare it with the one the agency published. Trust it?`, default: false})
        : undefined,
    })
    if (result.login.newlyTrusted) this.note(`trusted certificate ${result.login.fingerprint}`)
    this.out(`signed up as ${result.user.username} (owner ${result.owner.id}) and logged in; profile "${result.login.profile}"`)
    this.out('Next: add your cameras with `rtcc camera add --name "Front door" --at LAT,LON`.')
    return result
  }
}
