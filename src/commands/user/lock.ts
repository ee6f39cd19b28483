import {UserStateCommand} from '../../lib/output/user-state-command.js'

export default class UserLock extends UserStateCommand {
  static override summary = 'Lock an account until an admin unlocks it; its sessions end and its tokens stop working (admin).'
  static override examples = ['<%= config.bin %> user lock ana', '<%= config.bin %> user lock ana --json']
  static override endpoint = 'lock' as const
}
