import { AddressBook } from './AddressBook.ts';
import { AddressBookChange } from './AddressBookChange.ts';
import { AddressBookHomeChange } from './AddressBookHomeChange.ts';
import { ApiToken } from './ApiToken.ts';
import { AuthFailure } from './AuthFailure.ts';
import { Calendar } from './Calendar.ts';
import { CalendarChange } from './CalendarChange.ts';
import { CalendarFeed } from './CalendarFeed.ts';
import { CalendarInstance } from './CalendarInstance.ts';
import { CalendarObject } from './CalendarObject.ts';
import { CalendarSubscription } from './CalendarSubscription.ts';
import { Card } from './Card.ts';
import { FeedTag } from './FeedTag.ts';
import { FeedToken } from './FeedToken.ts';
import { GroupMember } from './GroupMember.ts';
import { HomeChange } from './HomeChange.ts';
import { ImipMessage } from './ImipMessage.ts';
import { InstanceSetting } from './InstanceSetting.ts';
import { Job } from './Job.ts';
import { Principal } from './Principal.ts';
import { PropertyStorage } from './PropertyStorage.ts';
import { SchedulingInboxChange } from './SchedulingInboxChange.ts';
import { SchedulingObject } from './SchedulingObject.ts';
import { SyncLedgerEntry } from './SyncLedgerEntry.ts';
import { Synchronization } from './Synchronization.ts';
import { Tag } from './Tag.ts';
import { TokenTag } from './TokenTag.ts';
import { User } from './User.ts';
import { WebSession } from './WebSession.ts';

export {
  AddressBook,
  AddressBookChange,
  AddressBookHomeChange,
  ApiToken,
  AuthFailure,
  Calendar,
  CalendarChange,
  CalendarFeed,
  CalendarInstance,
  CalendarObject,
  CalendarSubscription,
  Card,
  FeedTag,
  FeedToken,
  GroupMember,
  HomeChange,
  ImipMessage,
  InstanceSetting,
  Job,
  Principal,
  PropertyStorage,
  SchedulingInboxChange,
  SchedulingObject,
  SyncLedgerEntry,
  Synchronization,
  Tag,
  TokenTag,
  User,
  WebSession,
};

export const allEntities = [
  Principal,
  User,
  Calendar,
  CalendarInstance,
  CalendarObject,
  CalendarChange,
  HomeChange,
  CalendarSubscription,
  SchedulingObject,
  SchedulingInboxChange,
  ImipMessage,
  PropertyStorage,
  GroupMember,
  ApiToken,
  Tag,
  TokenTag,
  CalendarFeed,
  FeedTag,
  FeedToken,
  Synchronization,
  SyncLedgerEntry,
  Job,
  AuthFailure,
  InstanceSetting,
  WebSession,
  AddressBook,
  Card,
  AddressBookChange,
  AddressBookHomeChange,
];
