import {Args} from '@oclif/core'

import type {UserView} from '../domain/auth.js'
import {RtccCommand} from './base-command.js'
import {describeUser} from './users.js'

/** `user disable|enable|lock|unlock NAME`: the same call on a different endpoint. */
export abstract class UserStateCommand extends RtccCommand<typeof UserStateCommand> {
  static override args = {username: Args.string({required: true, description: 'User name.'})}
  static endpoint: 'disable' | 'enable' | 'lock' | 'unlock'

  async run(): Promise<UserView> {
    const {endpoint} = this.constructor as typeof UserStateCommand
    const user = await (await this.api()).post<UserView>(`/v1/users/${encodeURIComponent(this.args.username)}/${endpoint}`)
    this.out(describeUser(user))
    return user
  }
}
