// One role assignment on the resource group this module is deployed to (used for the key-reader role when it
// is scoped to resource groups rather than the subscription).

@description('Full resource ID of the role definition.')
param roleDefinitionId string

@description('Principal (object) ID receiving the role.')
param principalId string

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, roleDefinitionId)
  properties: {
    roleDefinitionId: roleDefinitionId
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
