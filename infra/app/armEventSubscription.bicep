// The event subscription on the subscription's Event Grid system topic. Deployed to the topic's resource group.
//
// What reaches onArmEvent: ResourceActionSuccess / ResourceWriteSuccess / ResourceDeleteSuccess events whose
// data.operationName is one of config/eventOperations.json (regenerateKey, write and delete of Storage, Cosmos DB
// and Redis accounts). Everything else, in particular the ResourceActionSuccess events our own listKeys calls
// raise, is dropped by Event Grid, so there is no feedback loop. String filters are case-insensitive.

@description('Name of the existing system topic (topic type Microsoft.Resources.Subscriptions).')
param systemTopicName string

@description('Name of the event subscription.')
param eventSubscriptionName string

@description('Resource ID of the Event Grid-triggered function: <function app ID>/functions/onArmEvent.')
param functionResourceId string

@description('Operation names to let through (one StringIn filter). Event Grid allows 25 filter values in total per event subscription.')
@minLength(1)
@maxLength(25)
param operationNames string[]

@description('Resource ID of the storage account holding the dead-letter container.')
param deadLetterStorageAccountId string

@description('Dead-letter blob container.')
param deadLetterContainerName string

@description('Schema of the deliveries: EventGridSchema or CloudEventSchemaV1_0 (CloudEvents 1.0). onArmEvent reads both.')
@allowed([
  'EventGridSchema'
  'CloudEventSchemaV1_0'
])
param eventDeliverySchema string = 'EventGridSchema'

resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: systemTopicName
}

resource armEvents 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: systemTopic
  name: eventSubscriptionName
  properties: {
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: functionResourceId
        maxEventsPerBatch: 1 // one event per invocation: a failure retries only that event
        preferredBatchSizeInKilobytes: 64
      }
    }
    eventDeliverySchema: eventDeliverySchema
    filter: {
      includedEventTypes: [
        'Microsoft.Resources.ResourceActionSuccess'
        'Microsoft.Resources.ResourceWriteSuccess'
        'Microsoft.Resources.ResourceDeleteSuccess'
      ]
      enableAdvancedFilteringOnArrays: false
      advancedFilters: [
        {
          operatorType: 'StringIn'
          key: 'data.operationName'
          values: operationNames
        }
      ]
    }
    // Retry: Event Grid retries after 10 s, 30 s, 1 min, 5 min, 10 min, 30 min, 1 h, 3 h, ... (jittered).
    // 8 attempts end about 1 h 47 min after the first one (plus up to 30 s per attempt): long enough to ride out
    // a function app restart, ARM throttling (429) or a stale Cosmos read, and longer than one period of the
    // hourly scheduledResync, which repairs whatever an undelivered event was about. Beyond that, retries only
    // duplicate the safety net and keep the endpoint in Event Grid's "delayed delivery" state, which also
    // slows NEW events. The 180-minute TTL caps the total when Event Grid skips steps for an unhealthy endpoint.
    // Events that exhaust either limit are dead-lettered (~5 min later) to the blob container below: evidence,
    // not lost work.
    retryPolicy: {
      maxDeliveryAttempts: 8
      eventTimeToLiveInMinutes: 180
    }
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: deadLetterStorageAccountId
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
}

output id string = armEvents.id
