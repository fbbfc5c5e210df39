// Segment ids: defined once in core (capture files store them too).
export { SEGMENT, type SegmentId } from '../../core/segments';
