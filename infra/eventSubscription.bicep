// aks-keysync infrastructure, step 2 of 2: the Event Grid subscription that delivers key-changing ARM events of
// this Azure subscription to the onArmEvent function. Run it after main.bicep AND after the code is published:
// an AzureFunction destination is validated at creation ("Destination endpoint not found" otherwise).
//
// NOT COMPILED HERE (see the header of main.bicep): CI runs bicep build + lint on this file.
//
// Parameters are outputs of main.bicep; docs/deploy.md shows how to pass them.
targetScope = 'subscription'

metadata description = 'aks-keysync: Event Grid subscription from the ARM system topic to onArmEvent (step 2 of 2).'

@description('Resource group of the function app and its storage account (main.bicep output AZURE_RESOURCE_GROUP).')
@minLength(1)
param resourceGroupName string

@description('Function app name (main.bicep output FUNCTION_APP_NAME).')
@minLength(1)
param functionAppName string

@description('Storage account holding the dead-letter container (main.bicep output STORAGE_ACCOUNT_NAME).')
@minLength(3)
param storageAccountName string

@description('Event Grid system topic of this subscription (main.bicep output SYSTEM_TOPIC_NAME). It must have a system-assigned identity.')
@minLength(1)
param systemTopicName string

@description('Resource group of the system topic (main.bicep output SYSTEM_TOPIC_RESOURCE_GROUP). Empty = resourceGroupName.')
param systemTopicResourceGroup string = ''

@description('Schema Event Grid delivers events in: EventGridSchema (default) or CloudEventSchemaV1_0 (CloudEvents 1.0, which Microsoft recommends). onArmEvent reads both; see docs/deploy.md.')
@allowed([
  'EventGridSchema'
  'CloudEventSchemaV1_0'
])
param eventDeliverySchema string = 'EventGridSchema'

var names = loadJsonContent('config/names.json')
// Every operation name of every category in config/eventOperations.json (the same file the code's classifier
// reads), in one StringIn filter. Limit: 25 values per event subscription (checked in app/armEventSubscription.bicep).
var eventOperations = loadJsonContent('config/eventOperations.json')
var operationNames = flatten(map(items(eventOperations), category => category.value))
var topicResourceGroupName = empty(systemTopicResourceGroup) ? resourceGroupName : systemTopicResourceGroup
var deploymentSuffix = uniqueString(subscription().id, resourceGroupName, functionAppName)

resource functionApp 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
  scope: resourceGroup(resourceGroupName)
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
  scope: resourceGroup(resourceGroupName)
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: systemTopicName
  scope: resourceGroup(topicResourceGroupName)
}

// The topic's identity writes dead-lettered events: Storage Blob Data Contributor on that one container.
module deadLetterAccess 'app/deadLetterAccess.bicep' = {
  name: 'keysync-deadletter-${deploymentSuffix}'
  scope: resourceGroup(resourceGroupName)
  params: {
    storageAccountName: storage.name
    containerName: names.eventGrid.deadLetterContainer
    principalId: systemTopic.identity.principalId
  }
}

module armEvents 'app/armEventSubscription.bicep' = {
  name: 'keysync-armevents-${deploymentSuffix}'
  scope: resourceGroup(topicResourceGroupName)
  params: {
    systemTopicName: systemTopic.name
    eventSubscriptionName: names.eventGrid.eventSubscription
    functionResourceId: '${functionApp.id}/functions/${names.functions.onArmEvent}'
    operationNames: operationNames
    deadLetterStorageAccountId: storage.id
    deadLetterContainerName: names.eventGrid.deadLetterContainer
    eventDeliverySchema: eventDeliverySchema
  }
  dependsOn: [
    deadLetterAccess
  ]
}

output EVENT_SUBSCRIPTION_ID string = armEvents.outputs.id
output FILTERED_OPERATION_NAMES array = operationNames
