// Custom roles (from config/roleActions.json) and the key-reader assignment for the app identity.
//
// Scope of the key reader: by default the whole subscription, because a KeyBinding may name any Storage /
// Cosmos DB / Redis account in it and the per-cluster allow-lists (resource-ID prefixes) decide what each
// namespace may bind. When keyResourceGroups lists resource groups, the role is assigned on each of them
// instead: the service then cannot list keys anywhere else even if an allow-list is too broad (defence in
// depth; recommended for production). A binding outside those groups ends with reason ArmForbidden.
targetScope = 'subscription'

@description('Environment name; keeps role names unique when several environments share a tenant.')
param environmentName string

@description('Principal (object) ID of the function app identity.')
param appPrincipalId string

@description('Resource groups of this subscription whose accounts the service may list keys of. Empty = the whole subscription.')
param keyResourceGroups string[] = []

@description('Create the namespace-scoped Secret writer role (only needed for clusters using Azure RBAC for Kubernetes).')
param createNamespaceRole bool = false

@description('Assignable scopes of the namespace-scoped role: the resource groups of those clusters.')
param namespaceRoleAssignableScopes string[] = []

@description('Suffix keeping nested deployment names unique per environment.')
param deploymentSuffix string

var roleActions = loadJsonContent('../config/roleActions.json')
var namespaceRoleName = guid(subscription().id, environmentName, 'aks-keysync-namespace-secret-writer')

resource keyReaderRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, environmentName, 'aks-keysync-key-reader')
  properties: {
    roleName: '${roleActions.keyReader.roleName} (${environmentName})'
    description: roleActions.keyReader.description
    type: 'CustomRole'
    assignableScopes: [
      subscription().id
    ]
    permissions: [
      {
        actions: roleActions.keyReader.actions
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
  }
}

resource keyReaderAtSubscription 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (empty(keyResourceGroups)) {
  name: guid(subscription().id, appPrincipalId, keyReaderRole.id)
  properties: {
    roleDefinitionId: keyReaderRole.id
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

module keyReaderAtResourceGroup 'roleAssignment.bicep' = [
  for (rg, i) in keyResourceGroups: {
    name: 'keysync-keyreader-${i}-${deploymentSuffix}'
    scope: resourceGroup(rg)
    params: {
      roleDefinitionId: keyReaderRole.id
      principalId: appPrincipalId
    }
  }
]

resource namespaceSecretWriterRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = if (createNamespaceRole) {
  name: namespaceRoleName
  properties: {
    roleName: '${roleActions.namespaceSecretWriter.roleName} (${environmentName})'
    description: roleActions.namespaceSecretWriter.description
    type: 'CustomRole'
    assignableScopes: namespaceRoleAssignableScopes
    permissions: [
      {
        actions: []
        notActions: []
        dataActions: roleActions.namespaceSecretWriter.dataActions
        notDataActions: []
      }
    ]
  }
}

output keyReaderRoleId string = keyReaderRole.id
@description('Resource ID of the namespace-scoped Secret writer role, or empty when it was not created.')
output namespaceSecretWriterRoleId string = createNamespaceRole ? subscriptionResourceId('Microsoft.Authorization/roleDefinitions', namespaceRoleName) : ''
