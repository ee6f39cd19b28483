import type {z} from 'zod'

import type {RouteDef} from '../route.js'
import {auditRoutes} from './audit.js'
import {authRoutes} from './auth.js'
import {eventRoutes} from './events.js'
import {healthRoutes} from './health.js'
import {tokenRoutes} from './tokens.js'
import {userRoutes} from './users.js'

export const allRoutes = [...healthRoutes, ...authRoutes, ...userRoutes, ...tokenRoutes, ...eventRoutes, ...auditRoutes] as unknown as RouteDef<z.ZodType, z.ZodType>[]
