// The app's view models: framework-agnostic, repositories only (no firebase, no React).
export { createConversationListViewModel } from './conversation-list-view-model.js';
export type { ConversationListItem, ConversationListState, ConversationListViewModel, ConversationListViewModelOptions } from './conversation-list-view-model.js';
export { createChatViewModel } from './chat-view-model.js';
export type { ChatState, ChatViewModel, ChatViewModelOptions } from './chat-view-model.js';
export { conversationTitle, personOf } from './people.js';
export type { Person } from './people.js';
export { createStateCell } from './state-cell.js';
export type { Observable, StateCell } from './state-cell.js';
export { createSyncInspectorViewModel, INSPECTOR_LOG_SIZE } from './sync-inspector-view-model.js';
export type { SyncInspectorState, SyncInspectorViewModel, SyncInspectorViewModelOptions } from './sync-inspector-view-model.js';
export { describeSyncStatus, inspectorRows } from './sync-status-view-model.js';
export type { SyncStatusView } from './sync-status-view-model.js';
