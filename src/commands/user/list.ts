import type {UserView} from '../../lib/domain/auth.js'
import {RtccCommand} from '../../lib/output/base-command.js'
import {renderUsers} from '../../lib/output/users.js'

export default class UserList extends RtccCommand<typeof UserList> {
  static override summary = 'List accounts (admin).'
  static override examples = ['<%= config.bin %> user list', '<%= config.bin %> user list --json | jq -r ".[].username"']

  async run(): Promise<UserView[]> {
    const users = await (await this.api()).get<UserView[]>('/v1/users')
    this.out(renderUsers(users))
    return users
  }
}
