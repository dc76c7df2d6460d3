import {
  containerpubTables,
  FunctionDeploymentEntity,
  FunctionEntity,
  FunctionInvocationEntity,
  FunctionLogEntity,
  OrganizationEntity,
  OrganizationMemberEntity,
  UserEntity,
  UserInformationEntity,
} from '../../src/containerpub/index'
import { Database, generateDDL } from '../../src/index'
import { testDatabase } from './test-database'

/** A fresh database with the ContainerPub schema created from the definitions. */
export async function containerpubDatabase(prefix: string) {
  const test = await testDatabase(prefix)
  const db = await Database.connect({
    url: test.url,
    tables: containerpubTables,
    entities: [
      UserEntity,
      UserInformationEntity,
      OrganizationEntity,
      OrganizationMemberEntity,
      FunctionEntity,
      FunctionDeploymentEntity,
      FunctionLogEntity,
      FunctionInvocationEntity,
    ],
    max: 8,
  })
  await db.executeScript(generateDDL(Object.values(containerpubTables)))
  return {
    db,
    url: test.url,
    async close() {
      await db.close()
      await test.drop()
    },
  }
}
