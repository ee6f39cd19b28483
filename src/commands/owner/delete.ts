import {Flags} from '@oclif/core'

import type {OwnerDeleted} from '../../lib/client/registry-owners.js'
import {RtccCommand} from '../../lib/output/base-command.js'
import {RtccError, usageError} from '../../lib/errors.js'

export default class OwnerDelete extends RtccCommand<typeof OwnerDelete> {
  static override summary = 'Delete your owner account, profile and cameras for good.'
  static override description = 'The audit log keeps that the deletion happened (ids and counts), not your personal data. This cannot be undone.'
  static override examples = ['<%= config.bin %> owner delete', '<%= config.bin %> owner delete --yes --json']
  static override flags = {
    yes: Flags.boolean({char: 'y', description: 'Do not ask for confirmation (scripts).'}),
  }

  async run(): Promise<OwnerDeleted> {
    const {deleteMyProfile, myProfile} = await import('../../lib/client/registry-owners.js')
    const api = await this.api()
    if (!this.flags.yes) {
      if (!this.interactive()) throw usageError('deleting your account needs confirmation', 'Pass --yes.')
      const owner = await myProfile(api)
      const {confirm} = await import('@inquirer/prompts')
      const sure = await confirm({message: `Delete ${owner.displayName} (${owner.email}), all your cameras and your account, for good?`, default: false})
      if (!sure) throw new RtccError('nothing deleted', {code: 'cancelled'})
    }
    const result = await deleteMyProfile(api, this.flags.profile)
    this.out(`deleted owner ${result.ownerId} and ${result.camerasDeleted} camera(s); you are logged out`)
    return result
  }
}
