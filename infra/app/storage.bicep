// The storage account the function app needs anyway: Functions host storage (blob), the Flex Consumption
// deployment container, the Event Grid dead-letter container and the two tables (binding index, cluster
// registry). Shared keys are disabled: every client (host, app code, Event Grid) authenticates with Entra ID.

@description('Azure region of the storage account.')
param location string

@description('Tags applied to every resource.')
param tags object = {}

@description('Storage account name (3-24 lower-case letters and digits, globally unique).')
@minLength(3)
@maxLength(24)
param storageAccountName string

@description('Blob container Flex Consumption deploys the app package into.')
param deploymentContainerName string

@description('Blob container Event Grid writes undeliverable events into.')
param deadLetterContainerName string

@description('Table names to create (binding index, cluster registry).')
param tableNames string[]

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageAccountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    allowSharedKeyAccess: false // identity-based access only (host, app, Event Grid dead-lettering)
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled' // Flex without VNet integration and Event Grid reach it over the public endpoint
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource deadLetterContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deadLetterContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = [
  for t in tableNames: {
    parent: tableService
    name: t
  }
]

var tableEndpoint = storage.properties.primaryEndpoints.table

output id string = storage.id
output name string = storage.name
@description('Primary blob endpoint, with its trailing slash (e.g. https://<name>.blob.core.windows.net/).')
output blobEndpoint string = storage.properties.primaryEndpoints.blob
@description('Primary table endpoint without a trailing slash: the value of KEYSYNC_TABLES_ENDPOINT.')
output tableEndpoint string = endsWith(tableEndpoint, '/') ? substring(tableEndpoint, 0, length(tableEndpoint) - 1) : tableEndpoint
output deploymentContainerName string = deploymentContainer.name
output deadLetterContainerName string = deadLetterContainer.name
