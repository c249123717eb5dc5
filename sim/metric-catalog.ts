/**
 * Metric prototypes of Pegasus 2.6 (`METRIC_DEFINE_*` in the Pegasus sources): name, type, unit and
 * description exactly as `/metrics?detail=true` prints them, grouped by the entity type and server role that
 * instantiates them. Data only; the values come from the model (see `metric-values.ts`).
 */

/** A metric's `type` field. */
export type MetricType = 'Gauge' | 'Counter' | 'VolatileCounter' | 'Percentile';

/** One metric prototype. */
export interface MetricDef {
  readonly name: string;
  readonly type: MetricType;
  readonly unit: string;
  readonly desc: string;
}

/** 108 prototypes. */
export const replicaMetrics: readonly MetricDef[] = [
  { name: 'abnormal_read_requests', type: 'Counter', unit: 'Requests', desc: 'The number of abnormal read requests' },
  { name: 'backup_cancelled_count', type: 'Counter', unit: 'Backups', desc: 'The number of cancelled backups' },
  { name: 'backup_failed_count', type: 'Counter', unit: 'Backups', desc: 'The number of failed backups' },
  {
    name: 'backup_file_upload_failed_count',
    type: 'Counter',
    unit: 'FileUploads',
    desc: 'The number of failed file uploads for backups',
  },
  {
    name: 'backup_file_upload_successful_count',
    type: 'Counter',
    unit: 'FileUploads',
    desc: 'The number of successful file uploads for backups',
  },
  {
    name: 'backup_file_upload_total_bytes',
    type: 'Counter',
    unit: 'Bytes',
    desc: 'The total size of uploaded files for backups',
  },
  { name: 'backup_request_bytes', type: 'Counter', unit: 'Bytes', desc: 'The number of bytes for backup requests' },
  { name: 'backup_requests', type: 'Counter', unit: 'Requests', desc: 'The number of backup requests' },
  { name: 'backup_started_count', type: 'Counter', unit: 'Backups', desc: 'The number of started backups' },
  { name: 'backup_successful_count', type: 'Counter', unit: 'Backups', desc: 'The number of successful backups' },
  { name: 'batch_get_bytes', type: 'Counter', unit: 'Bytes', desc: 'The number of bytes for BATCH_GET requests' },
  { name: 'batch_get_latency_ns', type: 'Percentile', unit: 'NanoSeconds', desc: 'The latency of BATCH_GET requests' },
  { name: 'batch_get_requests', type: 'Counter', unit: 'Requests', desc: 'The number of BATCH_GET requests' },
  {
    name: 'bulk_load_ingestion_rejected_write_requests',
    type: 'Counter',
    unit: 'Requests',
    desc: 'The number of rejected write requests by bulk load ingestion',
  },
  {
    name: 'check_and_mutate_bytes',
    type: 'Counter',
    unit: 'Bytes',
    desc: 'The number of bytes for CHECK_AND_MUTATE requests',
  },
  {
    name: 'check_and_mutate_latency_ns',
    type: 'Percentile',
    unit: 'NanoSeconds',
    desc: 'The latency of CHECK_AND_MUTATE requests',
  },
  {
    name: 'check_and_mutate_requests',
    type: 'Counter',
    unit: 'Requests',
    desc: 'The number of CHECK_AND_MUTATE requests',
  },
  {
    name: 'check_and_set_bytes',
    type: 'Counter',
    unit: 'Bytes',
    desc: 'The number of bytes for CHECK_AND_SET requests',
  },
  {
    name: 'check_and_set_latency_ns',
    type: 'Percentile',
    unit: 'NanoSeconds',
    desc: 'The latency of CHECK_AND_SET requests',
  },
  { name: 'check_and_set_requests', type: 'Counter', unit: 'Requests', desc: 'The number of CHECK_AND_SET requests' },
  { name: 'committed_requests', type: 'Counter', unit: 'Requests', desc: 'The number of committed requests' },
  { name: 'corrupt_writes', type: 'Counter', unit: 'Requests', desc: 'The number of corrupt writes for each replica' },
  {
    name: 'dup_lagging_writes',
    type: 'Counter',
    unit: 'Requests',
    desc: 'the number of lagging writes (time lag larger than `dup_lagging_write_threshold_ms`)',
  },
  {
    name: 'dup_rejected_non_idempotent_write_requests',
    type: 'Counter',
    unit: 'Requests',
    desc: 'The number of rejected non-idempotent write requests by duplication',
  },
  { name: 'dup_requests', type: 'Counter', unit: 'Requests', desc: 'The number of DUPLICATE requests' },
  {
    name: 'dup_shipped_failed_requests',
    type: 'Counter',
    unit: 'Requests',
    desc: 'The number of failed DUPLICATE requests sent from client',
  },
  {
    name: 'dup_shipped_successful_requests',
    type: 'Counter',
    unit: 'Requests',
    desc: 'The number of successful DUPLICATE requests sent from client',
  },
  {
    name: 'dup_time_lag_ms',
    type: 'Percentile',
    unit: 'MilliSeconds',
    desc: 'the time lag (in ms) between master and slave in the duplication',
  },
  {
    name: 'emergency_checkpoints',
    type: 'Counter',
    unit: 'Checkpoints',
    desc: 'The number of triggered emergency checkpoints',
  },
  { name: 'get_bytes', type: 'Counter', unit: 'Bytes', desc: 'The number of bytes for GET requests' },
  { name: 'get_latency_ns', type: 'Percentile', unit: 'NanoSeconds', desc: 'The latency of GET requests' },
  { name: 'get_requests', type: 'Counter', unit: 'Requests', desc: 'The number of GET requests' },
  {
    name: 'group_check_failed_requests',
    type: 'Counter',
    unit: 'Requests',
    desc: 'The number of failed RPC_GROUP_CHECK requests launched by primary replicas',
  },
  { name: 'incr_latency_ns', type: 'Percentile', unit: 'NanoSeconds', desc: 'The latency of INCR requests' },
  { name: 'incr_requests', type: 'Counter', unit: 'Requests', desc: 'The number of INCR requests' },
  {
    name: 'learn_copy_buffer_bytes',
    type: 'Counter',
    unit: 'Bytes',
    desc: "The size of data that are copied from learnee's buffer",
  },
  {
    name: 'learn_copy_file_bytes',
    type: 'Counter',
    unit: 'Bytes',
    desc: 'The size of file that are copied from learnee',
  },
  {
    name: 'learn_copy_files',
    type: 'Counter',
    unit: 'Files',
    desc: 'The number of files that are copied from learnee (i.e. primary replica)',
  },
  {
    name: 'learn_count',
    type: 'Counter',
    unit: 'Learns',
    desc: 'The number of learns launched by learner (i.e. potential secondary replica)',
  },
  {
    name: 'learn_failed_count',
    type: 'Counter',
    unit: 'Learns',
    desc: 'The number of failed learns launched by learner',
  },
  {
    name: 'learn_lt_app_responses',
    type: 'Counter',
    unit: 'Responses',
    desc: 'The number of learn responses of LT_APP type decided by learner, with each learn response related to an RPC_LEARN request',
  },
  {
    name: 'learn_lt_cache_responses',
    type: 'Counter',
    unit: 'Responses',
    desc: 'The number of learn responses of LT_CACHE type decided by learner, with each learn response related to an RPC_LEARN request',
  },
  {
    name: 'learn_lt_log_responses',
    type: 'Counter',
    unit: 'Responses',
    desc: 'The number of learn responses of LT_LOG type decided by learner, with each learn response related to an RPC_LEARN request',
  },
  {
    name: 'learn_resets',
    type: 'Counter',
    unit: 'Resets',
    desc: "The number of times learner resets its local state (since its local state is newer than learnee's), with each reset related to an learn response of an RPC_LEARN request",
  },
  {
    name: 'learn_rounds',
    type: 'Counter',
    unit: 'Rounds',
    desc: 'The number of learn rounds launched by learner (during a learn there mightbe multiple rounds)',
  },
  {
    name: 'learn_successful_count',
    type: 'Counter',
    unit: 'Learns',
    desc: 'The number of successful learns launched by learner',
  },
  {
    name: 'make_check_and_mutate_idempotent_latency_ns',
    type: 'Percentile',
    unit: 'NanoSeconds',
    desc: 'The duration that a check_and_mutate request is made idempotent, including reading the check value from storage engine, validating the check conditions and translating the check_and_mutate request into multiple single-put and single-remove requests. Only used for the primary replicas',
  },
  {
    name: 'make_check_and_set_idempotent_latency_ns',
    type: 'Percentile',
    unit: 'NanoSeconds',
    desc: 'The duration that a check_and_set request is made idempotent, including reading the check value from storage engine, validating the check conditions and translating the check_and_set request into the single-put request. Only used for the primary replicas',
  },
  {
    name: 'make_incr_idempotent_latency_ns',
    type: 'Percentile',
    unit: 'NanoSeconds',
    desc: 'The duration that an incr request is made idempotent, including reading the current value from storage engine, increasing it by a given amount and translating the incr request into the single-put request. Only used for the primary replicas',
  },
  { name: 'multi_get_bytes', type: 'Counter', unit: 'Bytes', desc: 'The number of bytes for MULTI_GET requests' },
  { name: 'multi_get_latency_ns', type: 'Percentile', unit: 'NanoSeconds', desc: 'The latency of MULTI_GET requests' },
  { name: 'multi_get_requests', type: 'Counter', unit: 'Requests', desc: 'The number of MULTI_GET requests' },
  { name: 'multi_put_bytes', type: 'Counter', unit: 'Bytes', desc: 'The number of bytes for MULTI_PUT requests' },
  { name: 'multi_put_latency_ns', type: 'Percentile', unit: 'NanoSeconds', desc: 'The latency of MULTI_PUT requests' },
  { name: 'multi_put_requests', type: 'Counter', unit: 'Requests', desc: 'The number of MULTI_PUT requests' },
  {
    name: 'multi_remove_latency_ns',
    type: 'Percentile',
    unit: 'NanoSeconds',
    desc: 'The latency of MULTI_REMOVE requests',
  },
  { name: 'multi_remove_requests', type: 'Counter', unit: 'Requests', desc: 'The number of MULTI_REMOVE requests' },
  {
    name: 'prepare_failed_requests',
    type: 'Counter',
    unit: 'Requests',
    desc: 'The number of failed RPC_PREPARE requests',
  },
  { name: 'private_log_size_mb', type: 'Gauge', unit: 'MegaBytes', desc: 'The size of private log in MB' },
  { name: 'put_bytes', type: 'Counter', unit: 'Bytes', desc: 'The number of bytes for PUT requests' },
  { name: 'put_latency_ns', type: 'Percentile', unit: 'NanoSeconds', desc: 'The latency of PUT requests' },
  { name: 'put_requests', type: 'Counter', unit: 'Requests', desc: 'The number of PUT requests' },
  {
    name: 'rdb_block_cache_hit_count',
    type: 'Gauge',
    unit: 'PointLookups',
    desc: 'The hit number of lookups on rocksdb block cache',
  },
  {
    name: 'rdb_block_cache_total_count',
    type: 'Gauge',
    unit: 'PointLookups',
    desc: 'The total number of lookups on rocksdb block cache',
  },
  {
    name: 'rdb_bloom_filter_point_lookup_negatives',
    type: 'Gauge',
    unit: 'PointLookups',
    desc: 'The number of times full bloom filter has avoided file reads (i.e., negatives), used by rocksdb',
  },
  {
    name: 'rdb_bloom_filter_point_lookup_positives',
    type: 'Gauge',
    unit: 'PointLookups',
    desc: 'The number of times full bloom filter has not avoided the reads, used by rocksdb',
  },
  {
    name: 'rdb_bloom_filter_point_lookup_true_positives',
    type: 'Gauge',
    unit: 'PointLookups',
    desc: 'The number of times full bloom filter has not avoided the reads and data actually exist, used by rocksdb',
  },
  {
    name: 'rdb_bloom_filter_seek_negatives',
    type: 'Gauge',
    unit: 'Seeks',
    desc: 'The number of times the check for prefix bloom filter was useful in avoiding iterator creation (and thus likely IOPs), used by rocksdb for each replica',
  },
  {
    name: 'rdb_bloom_filter_seek_total',
    type: 'Gauge',
    unit: 'Seeks',
    desc: 'The number of times prefix bloom filter was checked before creating iterator on a file, used by rocksdb',
  },
  {
    name: 'rdb_changed_delayed_writes',
    type: 'Counter',
    unit: 'Writes',
    desc: 'The number of rocksdb delayed writes changed from another write stall condition',
  },
  {
    name: 'rdb_changed_stopped_writes',
    type: 'Counter',
    unit: 'Writes',
    desc: 'The number of rocksdb stopped writes changed from another write stall condition',
  },
  {
    name: 'rdb_compaction_completed_count',
    type: 'Counter',
    unit: 'Compactions',
    desc: 'The number of completed rocksdb compactions',
  },
  {
    name: 'rdb_compaction_input_bytes',
    type: 'Counter',
    unit: 'Bytes',
    desc: 'The size of rocksdb compaction input in bytes',
  },
  {
    name: 'rdb_compaction_output_bytes',
    type: 'Counter',
    unit: 'Bytes',
    desc: 'The size of rocksdb compaction output in bytes',
  },
  { name: 'rdb_estimated_keys', type: 'Gauge', unit: 'Keys', desc: 'The estimated number of rocksdb keys' },
  {
    name: 'rdb_flush_completed_count',
    type: 'Counter',
    unit: 'Flushes',
    desc: 'The number of completed rocksdb flushes',
  },
  { name: 'rdb_flush_output_bytes', type: 'Counter', unit: 'Bytes', desc: 'The size of rocksdb flush output in bytes' },
  {
    name: 'rdb_index_and_filter_blocks_mem_usage_bytes',
    type: 'Gauge',
    unit: 'Bytes',
    desc: 'The memory usage of rocksdb index and filter blocks',
  },
  { name: 'rdb_l0_hit_count', type: 'Gauge', unit: 'PointLookups', desc: 'The number of lookups served by rocksdb L0' },
  { name: 'rdb_l1_hit_count', type: 'Gauge', unit: 'PointLookups', desc: 'The number of lookups served by rocksdb L1' },
  {
    name: 'rdb_l2_and_up_hit_count',
    type: 'Gauge',
    unit: 'PointLookups',
    desc: 'The number of lookups served by rocksdb L2 and up',
  },
  {
    name: 'rdb_manual_compact_queued_tasks',
    type: 'Gauge',
    unit: 'Tasks',
    desc: 'The number of current queued tasks of rocksdb manual compaction',
  },
  {
    name: 'rdb_manual_compact_running_tasks',
    type: 'Gauge',
    unit: 'Tasks',
    desc: 'The number of current running tasks of rocksdb manual compaction',
  },
  {
    name: 'rdb_memtable_hit_count',
    type: 'Gauge',
    unit: 'PointLookups',
    desc: 'The hit number of lookups on rocksdb memtable',
  },
  { name: 'rdb_memtable_mem_usage_bytes', type: 'Gauge', unit: 'Bytes', desc: 'The memory usage of rocksdb memtables' },
  {
    name: 'rdb_memtable_total_count',
    type: 'Gauge',
    unit: 'PointLookups',
    desc: 'The total number of lookups on rocksdb memtable',
  },
  { name: 'rdb_read_amplification', type: 'Gauge', unit: 'Amplification', desc: 'The read amplification of rocksdb' },
  { name: 'rdb_total_sst_files', type: 'Gauge', unit: 'Files', desc: 'The total number of rocksdb sst files' },
  { name: 'rdb_total_sst_size_mb', type: 'Gauge', unit: 'MegaBytes', desc: 'The total size of rocksdb sst files' },
  { name: 'rdb_write_amplification', type: 'Gauge', unit: 'Amplification', desc: 'The write amplification of rocksdb' },
  {
    name: 'read_capacity_units',
    type: 'Counter',
    unit: 'CapacityUnits',
    desc: 'The number of capacity units for read requests',
  },
  { name: 'read_expired_values', type: 'Counter', unit: 'Values', desc: 'The number of expired values read' },
  { name: 'read_filtered_values', type: 'Counter', unit: 'Values', desc: 'The number of filtered values read' },
  { name: 'remove_latency_ns', type: 'Percentile', unit: 'NanoSeconds', desc: 'The latency of REMOVE requests' },
  { name: 'remove_requests', type: 'Counter', unit: 'Requests', desc: 'The number of REMOVE requests' },
  { name: 'scan_bytes', type: 'Counter', unit: 'Bytes', desc: 'The number of bytes for SCAN requests' },
  { name: 'scan_latency_ns', type: 'Percentile', unit: 'NanoSeconds', desc: 'The latency of SCAN requests' },
  { name: 'scan_requests', type: 'Counter', unit: 'Requests', desc: 'The number of SCAN requests' },
  {
    name: 'splitting_rejected_read_requests',
    type: 'Counter',
    unit: 'Requests',
    desc: 'The number of rejected read requests by splitting',
  },
  {
    name: 'splitting_rejected_write_requests',
    type: 'Counter',
    unit: 'Requests',
    desc: 'The number of rejected write requests by splitting',
  },
  {
    name: 'throttling_delayed_backup_requests',
    type: 'Counter',
    unit: 'Requests',
    desc: 'The number of delayed backup requests by throttling',
  },
  {
    name: 'throttling_delayed_read_requests',
    type: 'Counter',
    unit: 'Requests',
    desc: 'The number of delayed read requests by throttling',
  },
  {
    name: 'throttling_delayed_write_requests',
    type: 'Counter',
    unit: 'Requests',
    desc: 'The number of delayed write requests by throttling',
  },
  {
    name: 'throttling_rejected_backup_requests',
    type: 'Counter',
    unit: 'Requests',
    desc: 'The number of rejected backup requests by throttling',
  },
  {
    name: 'throttling_rejected_read_requests',
    type: 'Counter',
    unit: 'Requests',
    desc: 'The number of rejected read requests by throttling',
  },
  {
    name: 'throttling_rejected_write_requests',
    type: 'Counter',
    unit: 'Requests',
    desc: 'The number of rejected write requests by throttling',
  },
  {
    name: 'write_capacity_units',
    type: 'Counter',
    unit: 'CapacityUnits',
    desc: 'The number of capacity units for write requests',
  },
  {
    name: 'write_size_exceed_threshold_requests',
    type: 'Counter',
    unit: 'Requests',
    desc: 'The number of write requests whose size exceeds threshold',
  },
];

/** 2 prototypes. */
export const diskMetrics: readonly MetricDef[] = [
  { name: 'disk_capacity_avail_mb', type: 'Gauge', unit: 'MegaBytes', desc: 'The available disk capacity' },
  { name: 'disk_capacity_total_mb', type: 'Gauge', unit: 'MegaBytes', desc: 'The total disk capacity' },
];

/** 5 prototypes. */
export const tableMetrics: readonly MetricDef[] = [
  {
    name: 'dead_partitions',
    type: 'Gauge',
    unit: 'Partitions',
    desc: 'The number of dead partitions, which means primary = 0 && secondary = 0',
  },
  {
    name: 'healthy_partitions',
    type: 'Gauge',
    unit: 'Partitions',
    desc: 'The number of healthy partitions, which means primary = 1 && primary + secondary >= max_replica_count',
  },
  {
    name: 'unreadable_partitions',
    type: 'Gauge',
    unit: 'Partitions',
    desc: 'The number of unreadable partitions, which means primary = 0 && secondary > 0',
  },
  {
    name: 'unwritable_partitions',
    type: 'Gauge',
    unit: 'Partitions',
    desc: 'The number of unwritable partitions, which means primary = 1 && primary + secondary < mutation_2pc_min_replica_count',
  },
  {
    name: 'writable_ill_partitions',
    type: 'Gauge',
    unit: 'Partitions',
    desc: 'The number of writable ill partitions, which means primary = 1 && primary + secondary >= mutation_2pc_min_replica_count && primary + secondary < max_replica_count',
  },
];

/** 8 prototypes. */
export const partitionMetrics: readonly MetricDef[] = [
  {
    name: 'choose_primary_failed_operations',
    type: 'Counter',
    unit: 'Operations',
    desc: 'The number of operations that fail to choose the primary replica',
  },
  {
    name: 'greedy_copy_primary_operations',
    type: 'Counter',
    unit: 'Operations',
    desc: 'The number of balance operations by greedy balancer that copy primaries',
  },
  {
    name: 'greedy_copy_secondary_operations',
    type: 'Counter',
    unit: 'Operations',
    desc: 'The number of balance operations by greedy balancer that copy secondaries',
  },
  {
    name: 'greedy_move_primary_operations',
    type: 'Counter',
    unit: 'Operations',
    desc: 'The number of balance operations by greedy balancer that move primaries',
  },
  {
    name: 'greedy_recent_balance_operations',
    type: 'Gauge',
    unit: 'Operations',
    desc: 'The number of balance operations by greedy balancer that are recently needed to be executed',
  },
  {
    name: 'partition_configuration_changes',
    type: 'Counter',
    unit: 'Changes',
    desc: 'The number of times the configuration has been changed',
  },
  {
    name: 'unwritable_partition_changes',
    type: 'Counter',
    unit: 'Changes',
    desc: 'The number of times the status of partition has been changed to unwritable',
  },
  {
    name: 'writable_partition_changes',
    type: 'Counter',
    unit: 'Changes',
    desc: 'The number of times the status of partition has been changed to writable',
  },
];

/** 12 prototypes. */
export const profilerMetrics: readonly MetricDef[] = [
  {
    name: 'profiler_aio_latency_ns',
    type: 'Percentile',
    unit: 'NanoSeconds',
    desc: 'The duration of the whole AIO operation (begin to aio -> executing -> finished -> callback is put into queue)',
  },
  { name: 'profiler_cancelled_tasks', type: 'Counter', unit: 'Tasks', desc: 'The number of cancelled tasks' },
  {
    name: 'profiler_client_rpc_latency_ns',
    type: 'Percentile',
    unit: 'NanoSeconds',
    desc: 'The non-timeout latency from call point to enqueue point on the client side for each RPC task',
  },
  {
    name: 'profiler_client_timeout_rpcs',
    type: 'Counter',
    unit: 'Tasks',
    desc: 'The accumulative number of timeout RPC tasks on the client side',
  },
  {
    name: 'profiler_dropped_timeout_rpcs',
    type: 'Counter',
    unit: 'Tasks',
    desc: 'The accumulative number of dropped RPC tasks on the server side due to timeout',
  },
  {
    name: 'profiler_execute_latency_ns',
    type: 'Percentile',
    unit: 'NanoSeconds',
    desc: 'The latency it takes for each task to be executed',
  },
  {
    name: 'profiler_executed_tasks',
    type: 'Counter',
    unit: 'Tasks',
    desc: 'The number of tasks that have been executed',
  },
  {
    name: 'profiler_queue_latency_ns',
    type: 'Percentile',
    unit: 'NanoSeconds',
    desc: 'The latency it takes for each task to wait in each queue before beginning to be executed',
  },
  { name: 'profiler_queued_tasks', type: 'Gauge', unit: 'Tasks', desc: 'The number of tasks in all queues' },
  {
    name: 'profiler_server_rpc_latency_ns',
    type: 'Percentile',
    unit: 'NanoSeconds',
    desc: 'The latency from enqueue point to reply point on the server side for each RPC task',
  },
  {
    name: 'profiler_server_rpc_request_bytes',
    type: 'Percentile',
    unit: 'Bytes',
    desc: 'The body length of request received on the server side for each RPC task',
  },
  {
    name: 'profiler_server_rpc_response_bytes',
    type: 'Percentile',
    unit: 'Bytes',
    desc: 'The body length of response replied on the server side for each RPC task',
  },
];

/** 3 prototypes. */
export const queueMetrics: readonly MetricDef[] = [
  {
    name: 'queue_delayed_tasks',
    type: 'Counter',
    unit: 'Tasks',
    desc: 'The accumulative number of delayed tasks by throttling before enqueue',
  },
  { name: 'queue_length', type: 'Gauge', unit: 'Tasks', desc: 'The length of task queue' },
  {
    name: 'queue_rejected_tasks',
    type: 'Counter',
    unit: 'Tasks',
    desc: 'The accumulative number of rejected tasks by throttling before enqueue',
  },
];

/** 1 prototypes. */
export const connectionMetrics: readonly MetricDef[] = [
  {
    name: 'network_client_sessions',
    type: 'Gauge',
    unit: 'Sessions',
    desc: 'The number of sessions from client side for each remote server address (i.e. <ip>:<port>)',
  },
];

/** 10 prototypes. */
export const metaServerMetrics: readonly MetricDef[] = [
  { name: 'alive_replica_servers', type: 'Gauge', unit: 'Servers', desc: 'The number of alive replica servers' },
  {
    name: 'beacon_failed_count',
    type: 'Counter',
    unit: 'Beacons',
    desc: 'The number of failed beacons sent by failure detector',
  },
  {
    name: 'dns_resolver_cache_size',
    type: 'Gauge',
    unit: 'Keys',
    desc: 'The size of the host_port to rpc_address resolve results cache',
  },
  {
    name: 'dns_resolver_resolve_by_dns_duration_ns',
    type: 'Percentile',
    unit: 'NanoSeconds',
    desc: 'The duration of resolving a host port by DNS lookup',
  },
  {
    name: 'dns_resolver_resolve_duration_ns',
    type: 'Percentile',
    unit: 'NanoSeconds',
    desc: 'The duration of resolving a host port, may either get from cache or resolve by DNS lookup',
  },
  { name: 'network_server_sessions', type: 'Gauge', unit: 'Sessions', desc: 'The number of sessions from server side' },
  {
    name: 'replica_server_disconnections',
    type: 'Counter',
    unit: 'Disconnections',
    desc: 'The number of disconnections with replica servers',
  },
  {
    name: 'resident_mem_usage_mb',
    type: 'Gauge',
    unit: 'MegaBytes',
    desc: 'The total amount of physical memory usage in MB',
  },
  { name: 'unalive_replica_servers', type: 'Gauge', unit: 'Servers', desc: 'The number of unalive replica servers' },
  {
    name: 'virtual_mem_usage_mb',
    type: 'Gauge',
    unit: 'MegaBytes',
    desc: 'The total amount of virtual memory usage in MB',
  },
];

/** 46 prototypes. */
export const replicaServerMetrics: readonly MetricDef[] = [
  {
    name: 'beacon_failed_count',
    type: 'Counter',
    unit: 'Beacons',
    desc: 'The number of failed beacons sent by failure detector',
  },
  {
    name: 'bulk_load_ingestion_max_duration_ms',
    type: 'Gauge',
    unit: 'MilliSeconds',
    desc: 'The max duration of ingestions for bulk loads',
  },
  { name: 'bulk_load_max_duration_ms', type: 'Gauge', unit: 'MilliSeconds', desc: 'The max duration of bulk loads' },
  {
    name: 'bulk_load_running_count',
    type: 'Gauge',
    unit: 'BulkLoads',
    desc: 'The number of current running bulk loads',
  },
  { name: 'closing_replicas', type: 'Gauge', unit: 'Replicas', desc: 'The number of closing replicas' },
  {
    name: 'dns_resolver_cache_size',
    type: 'Gauge',
    unit: 'Keys',
    desc: 'The size of the host_port to rpc_address resolve results cache',
  },
  {
    name: 'dns_resolver_resolve_by_dns_duration_ns',
    type: 'Percentile',
    unit: 'NanoSeconds',
    desc: 'The duration of resolving a host port by DNS lookup',
  },
  {
    name: 'dns_resolver_resolve_duration_ns',
    type: 'Percentile',
    unit: 'NanoSeconds',
    desc: 'The duration of resolving a host port, may either get from cache or resolve by DNS lookup',
  },
  { name: 'error_replicas', type: 'Gauge', unit: 'Replicas', desc: 'The number of replicas with errors' },
  { name: 'inactive_replicas', type: 'Gauge', unit: 'Replicas', desc: 'The number of inactive replicas' },
  { name: 'learning_replicas', type: 'Gauge', unit: 'Replicas', desc: 'The number of learning replicas' },
  {
    name: 'learning_replicas_max_copy_file_bytes',
    type: 'Gauge',
    unit: 'Bytes',
    desc: 'The max size of files that are copied from learnee among all learning replicas',
  },
  {
    name: 'learning_replicas_max_duration_ms',
    type: 'Gauge',
    unit: 'MilliSeconds',
    desc: 'The max duration among all learning replicas',
  },
  {
    name: 'moved_error_replicas',
    type: 'Counter',
    unit: 'Replicas',
    desc: 'The number of replicas whose dirs are moved as error',
  },
  {
    name: 'moved_garbage_replicas',
    type: 'Counter',
    unit: 'Replicas',
    desc: 'The number of replicas whose dirs are moved as garbage',
  },
  { name: 'network_server_sessions', type: 'Gauge', unit: 'Sessions', desc: 'The number of sessions from server side' },
  {
    name: 'nfs_client_copy_bytes',
    type: 'Counter',
    unit: 'Bytes',
    desc: 'The accumulated data size in bytes requested by client during nfs copy',
  },
  {
    name: 'nfs_client_copy_failed_requests',
    type: 'Counter',
    unit: 'Requests',
    desc: 'The number of failed nfs copy requests (requested by client)',
  },
  {
    name: 'nfs_client_failed_writes',
    type: 'Counter',
    unit: 'Writes',
    desc: 'The number of failed writes to local file in client',
  },
  {
    name: 'nfs_client_write_bytes',
    type: 'Counter',
    unit: 'Bytes',
    desc: 'The accumulated data size in bytes that are written to local file in client',
  },
  {
    name: 'nfs_server_copy_bytes',
    type: 'Counter',
    unit: 'Bytes',
    desc: 'The accumulated data size in bytes that are read from local file in server during nfs copy',
  },
  {
    name: 'nfs_server_copy_failed_requests',
    type: 'Counter',
    unit: 'Requests',
    desc: 'The number of nfs copy requests (received by server) that fail to read local file in server',
  },
  { name: 'opening_replicas', type: 'Gauge', unit: 'Replicas', desc: 'The number of opening replicas' },
  { name: 'primary_replicas', type: 'Gauge', unit: 'Replicas', desc: 'The number of primary replicas' },
  {
    name: 'rdb_block_cache_mem_usage_bytes',
    type: 'Gauge',
    unit: 'Bytes',
    desc: 'The memory usage of rocksdb block cache',
  },
  {
    name: 'rdb_wbm_mutable_mem_usage_bytes',
    type: 'Gauge',
    unit: 'Bytes',
    desc: 'The memory usage of mutable memtables managed by rocksdb write buffer manager',
  },
  {
    name: 'rdb_wbm_total_mem_usage_bytes',
    type: 'Gauge',
    unit: 'Bytes',
    desc: 'The total memory usage of memtables managed by rocksdb write buffer manager',
  },
  {
    name: 'rdb_write_rate_limiter_through_bytes_per_sec',
    type: 'Gauge',
    unit: 'BytesPerSec',
    desc: 'The through bytes per second that go through the rate limiter which takes control of the write rate of flush and compaction of rocksdb',
  },
  { name: 'read_busy_requests', type: 'Counter', unit: 'Requests', desc: 'The number of busy read requests' },
  { name: 'read_failed_requests', type: 'Counter', unit: 'Requests', desc: 'The number of failed read requests' },
  { name: 'replica_error_dirs', type: 'Gauge', unit: 'Dirs', desc: 'The number of error replica dirs (*.err)' },
  { name: 'replica_garbage_dirs', type: 'Gauge', unit: 'Dirs', desc: 'The number of garbage replica dirs (*.gar)' },
  {
    name: 'replica_origin_dirs',
    type: 'Gauge',
    unit: 'Dirs',
    desc: 'The number of origin replica dirs (*.ori) for disk migration',
  },
  { name: 'replica_removed_dirs', type: 'Counter', unit: 'Dirs', desc: 'The number of removed replica dirs' },
  {
    name: 'replica_tmp_dirs',
    type: 'Gauge',
    unit: 'Dirs',
    desc: 'The number of tmp replica dirs (*.tmp) for disk migration',
  },
  {
    name: 'resident_mem_usage_mb',
    type: 'Gauge',
    unit: 'MegaBytes',
    desc: 'The total amount of physical memory usage in MB',
  },
  { name: 'secondary_replicas', type: 'Gauge', unit: 'Replicas', desc: 'The number of secondary replicas' },
  { name: 'splitting_replicas', type: 'Gauge', unit: 'Replicas', desc: 'The number of current splitting replicas' },
  {
    name: 'splitting_replicas_async_learn_max_duration_ms',
    type: 'Gauge',
    unit: 'MilliSeconds',
    desc: 'The max duration among all splitting replicas for async learns',
  },
  {
    name: 'splitting_replicas_max_copy_file_bytes',
    type: 'Gauge',
    unit: 'Bytes',
    desc: 'The max size of copied files among all splitting replicas',
  },
  {
    name: 'splitting_replicas_max_duration_ms',
    type: 'Gauge',
    unit: 'MilliSeconds',
    desc: 'The max duration among all splitting replicas',
  },
  {
    name: 'tcmalloc_released_bytes',
    type: 'Counter',
    unit: 'Bytes',
    desc: 'The memory bytes that are released accumulatively by tcmalloc',
  },
  { name: 'total_replicas', type: 'Gauge', unit: 'Replicas', desc: 'The total number of replicas' },
  {
    name: 'virtual_mem_usage_mb',
    type: 'Gauge',
    unit: 'MegaBytes',
    desc: 'The total amount of virtual memory usage in MB',
  },
  { name: 'write_busy_requests', type: 'Counter', unit: 'Requests', desc: 'The number of busy write requests' },
  { name: 'write_failed_requests', type: 'Counter', unit: 'Requests', desc: 'The number of failed write requests' },
];
