// Managed identities: one for the function app, one shared by the in-cluster watchers. The watcher identity
// trusts each registered cluster's watcher ServiceAccount through a federated credential (workload identity),
// so no Azure credential is ever stored in a cluster.

@description('Azure region of the identities.')
param location string

@description('Tags applied to every resource.')
param tags object = {}

@description('Name of the user-assigned identity the function app runs as.')
param appIdentityName string

@description('Name of the user-assigned identity the in-cluster watchers use to send to Service Bus.')
param watcherIdentityName string

@description('One federated credential per registered cluster: { name, issuer, subject }. At most 20 per identity.')
@maxLength(20)
param watcherFederations array = []

resource appIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: appIdentityName
  location: location
  tags: tags
}

resource watcherIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: watcherIdentityName
  location: location
  tags: tags
}

// Entra ID refuses concurrent federated-credential writes on one identity: batchSize(1) serialises them.
@batchSize(1)
resource watcherFederation 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = [
  for f in watcherFederations: {
    parent: watcherIdentity
    name: f.name
    properties: {
      issuer: f.issuer
      subject: f.subject
      audiences: ['api://AzureADTokenExchange']
    }
  }
]

output appIdentityId string = appIdentity.id
output appIdentityClientId string = appIdentity.properties.clientId
output appIdentityPrincipalId string = appIdentity.properties.principalId
output watcherIdentityClientId string = watcherIdentity.properties.clientId
output watcherIdentityPrincipalId string = watcherIdentity.properties.principalId
