/** Cores for admins and agencies: enrolment codes and the list of Cores with their cameras' health. */
import type {CoreView, EnrollCodeView} from '../domain/core.js'
import type {ApiClient} from './api.js'

export const createEnrollCode = (api: ApiClient, ownerId: string, expiresInSeconds: number): Promise<EnrollCodeView> =>
  api.post<EnrollCodeView>('/v1/cores/enroll-codes', {ownerId, expiresInSeconds})

export const listCores = (api: ApiClient): Promise<CoreView[]> => api.get<CoreView[]>('/v1/cores')
