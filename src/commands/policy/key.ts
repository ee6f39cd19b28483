import {RtccCommand} from '../../lib/output/base-command.js'

export default class PolicyKey extends RtccCommand<typeof PolicyKey> {
  static override summary = 'Show your owner key (owner): made and registered with the server on first use.'
  static override description =
    'Your policies, panics and approvals are signed with this Ed25519 key; your Core trusts only statements it signs. The private key stays in your rtcc config folder (owner-keys/, mode 0600): back it up. Give the key id to your installer when they provision your Core.'
  static override examples = ['<%= config.bin %> policy key', '<%= config.bin %> policy key --json']

  async run() {
    const {ownerSigningKey, ownerPublicKey} = await import('../../lib/client/policy-key.js')
    const signing = await ownerSigningKey(await this.api())
    const result = {...ownerPublicKey(signing), file: signing.file, created: signing.created, registered: signing.registered}
    this.out(`owner key ${result.keyId}${result.created ? ' (new)' : ''}\npublic key ${result.publicKey}\nprivate key file ${result.file}${result.registered ? '\nregistered with the server now' : ''}`)
    return result
  }
}
