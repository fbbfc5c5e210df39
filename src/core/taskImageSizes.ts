// The smallest data.image_size each synthetic task draws legibly. One table, read
// by the task generators (src/engine/data/tasks) and by the validator, which
// refuses a task below its size with the task's position in the file.
import type { SyntheticTaskName } from './experiment';

export const MIN_IMAGE_SIZE: Readonly<Record<SyntheticTaskName, number>> = {
  counting: 16, spatial_relation: 16, localization: 24, jigsaw: 16, correspondence: 24, similarity: 24, small_object: 32,
  colour: 8, shape: 8, position: 8, presence: 16, comparison: 16, caption: 8, find: 16,
};
