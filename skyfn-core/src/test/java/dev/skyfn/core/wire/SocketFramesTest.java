package dev.skyfn.core.wire;

class SocketFramesTest extends FrameChannelContract {

    @Override
    FrameChannel sending(int maxFrameBytes) {
        return FrameChannel.overSocket(client, maxFrameBytes);
    }

    @Override
    FrameChannel receiving(int maxFrameBytes) {
        return FrameChannel.overSocket(server, maxFrameBytes);
    }
}
