#include "activity_buffer.hpp"

namespace xpu::injector {

DrainCounts drain_buffer(const CuptiApi &api, uint8_t *buf, size_t valid, Serializer &ser,
			 FrameBuilder &out)
{
	DrainCounts c;
	if (!buf || valid == 0)
		return c;
	CUpti_Activity *rec = nullptr;
	for (;;) {
		CUptiResult r = api.cuptiActivityGetNextRecord(buf, valid, &rec);
		if (r == CUPTI_ERROR_MAX_LIMIT_REACHED)
			break;
		if (r != CUPTI_SUCCESS) {
			c.error = true;  // INVALID_KIND: an incomplete or unknown record; stop
			break;
		}
		c.records++;
		c.sent += ser.add(*rec, out) ? 1 : 0;
	}
	return c;
}

}  // namespace xpu::injector
