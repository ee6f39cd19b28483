/** Human rendering of accounts and tokens, shared by the user and token commands. */
import type {TokenView, UserView} from '../domain/auth.js'
import {type Column, renderTable} from './table.js'

const userColumns: Column<UserView>[] = [
  {header: 'user', get: (u) => u.username},
  {header: 'role', get: (u) => u.role},
  {header: 'status', get: (u) => (u.disabled ? 'disabled' : u.locked ? 'locked' : 'active')},
  {header: 'mfa', get: (u) => (u.mfaEnabled ? 'on' : u.mfaRequired ? 'required' : 'off')},
  {header: 'id', get: (u) => u.id},
]

export const renderUsers = (users: UserView[]) => renderTable(users, userColumns)

export const describeUser = (u: UserView) =>
  `${u.username} (${u.role}) ${u.disabled ? 'disabled' : u.locked ? 'locked' : 'active'}, MFA ${u.mfaEnabled ? 'on' : u.mfaRequired ? 'required' : 'off'}`

const tokenColumns: Column<TokenView>[] = [
  {header: 'id', get: (t) => t.id},
  {header: 'name', get: (t) => t.name},
  {header: 'scope', get: (t) => t.roleScope},
  {header: 'expires', get: (t) => t.expiresAt},
  {header: 'last used', get: (t) => t.lastUsedAt ?? 'never'},
  {header: 'status', get: (t) => (t.revoked ? 'revoked' : Date.parse(t.expiresAt) < Date.now() ? 'expired' : 'active')},
]

export const renderTokens = (tokens: TokenView[]) => renderTable(tokens, tokenColumns)
