// The registry: task name (as written in the experiment file) → generator.

import { SyntheticTaskName } from '../../../core/experiment';
import { TaskGenerator } from './common';
import { correspondence } from './correspondence';
import { counting } from './counting';
import { caption, colour, comparison, find, position, presence, shape } from './curricula';
import { jigsaw } from './jigsaw';
import { localization } from './localization';
import { similarity } from './similarity';
import { smallObject } from './smallObject';
import { spatialRelation } from './spatial';

export const TASKS: Record<SyntheticTaskName, TaskGenerator> = {
  counting,
  spatial_relation: spatialRelation,
  localization,
  jigsaw,
  correspondence,
  similarity,
  small_object: smallObject,
  colour,
  shape,
  position,
  presence,
  comparison,
  caption,
  find,
};

export type { AnswerFormat, TaskGenerator } from './common';
